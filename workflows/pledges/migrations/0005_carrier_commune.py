import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_load_units"),
        ("pledges", "0004_pledge_certificate_entry"),
    ]

    operations = [
        migrations.RenameField(model_name="carrier", old_name="district", new_name="former_district"),
        migrations.AlterField(
            model_name="carrier",
            name="former_district",
            field=models.CharField(blank=True, max_length=100, verbose_name="địa bàn cũ (trước 01/7/2025)"),
        ),
        migrations.AddField(
            model_name="carrier",
            name="former_address",
            field=models.CharField(blank=True, max_length=500, verbose_name="địa chỉ cũ (trước 01/7/2025)"),
        ),
        migrations.AddField(
            model_name="carrier",
            name="commune",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="carriers",
                to="places.commune",
                verbose_name="xã, phường",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="target_communes",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="places.commune", verbose_name="các xã, phường"
            ),
        ),
    ]
