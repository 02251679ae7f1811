from django.db import migrations


def district_targets_to_communes(apps, schema_editor):
    """A campaign aimed at districts now aims at the communes its carriers were placed in (none before the
    registry names them: staff choose again)."""
    Campaign = apps.get_model("pledges", "Campaign")
    Carrier = apps.get_model("pledges", "Carrier")
    for campaign in Campaign.objects.filter(target="district"):
        carriers = Carrier.objects.filter(former_district__in=campaign.target_districts, commune__isnull=False)
        campaign.target_communes.set({c.commune_id for c in carriers})
        campaign.target = "commune"
        campaign.save(update_fields=["target"])


class Migration(migrations.Migration):
    dependencies = [("pledges", "0005_carrier_commune")]

    operations = [
        migrations.RunPython(district_targets_to_communes, migrations.RunPython.noop),
    ]
