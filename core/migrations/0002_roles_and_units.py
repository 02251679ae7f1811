from django.db import migrations

ROLE_GROUPS = [
    "Chuyên viên",
    "Trưởng phòng",
    "Lãnh đạo Sở",
    "Văn thư",
    "Doanh nghiệp bưu chính",
    "Quản trị",
]

DEFAULT_UNITS = [
    ("Thanh tra Sở", "TTr"),
    ("Văn phòng Sở", "VP"),
    ("Phòng Bưu chính, Viễn thông", "BCVT"),
    ("Phòng Thông tin - Báo chí - Xuất bản", "TTBCXB"),
    ("Phòng Công nghệ thông tin", "CNTT"),
]


def create_roles_and_units(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    OrganisationSettings = apps.get_model("core", "OrganisationSettings")
    DraftingUnit = apps.get_model("core", "DraftingUnit")
    org = OrganisationSettings.objects.first() or OrganisationSettings.objects.create()
    if not DraftingUnit.objects.filter(organisation=org).exists():
        for order, (name, abbreviation) in enumerate(DEFAULT_UNITS):
            DraftingUnit.objects.create(organisation=org, name=name, abbreviation=abbreviation, sort_order=order)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles_and_units, migrations.RunPython.noop)]
