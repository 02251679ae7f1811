"""Load the trust store shipped in signing/trust/vn/ (NEAC and Ban Cơ yếu roots, licensed CAs' intermediates)."""

from django.db import migrations


def load(apps, schema_editor):
    from signing.trust.store import sync_bundled

    sync_bundled(model=apps.get_model("signing", "TrustedCertificate"), audit=False)


class Migration(migrations.Migration):
    dependencies = [("signing", "0003_trust_store")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
