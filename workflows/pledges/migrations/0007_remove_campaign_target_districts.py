from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pledges", "0006_campaign_district_targets_to_communes")]

    operations = [
        migrations.RemoveField(model_name="campaign", name="target_districts"),
        migrations.AlterField(
            model_name="campaign",
            name="target",
            field=models.CharField(
                choices=[
                    ("all", "Tất cả doanh nghiệp, điểm phục vụ đang hoạt động"),
                    ("commune", "Theo xã, phường"),
                    ("kind", "Theo loại"),
                    ("picked", "Danh sách chọn"),
                ],
                default="all",
                max_length=20,
                verbose_name="đối tượng",
            ),
        ),
    ]
