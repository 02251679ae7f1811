"""The static files app with one more ignore pattern: viewflow's wheel ships a stray npm copy of Roboto.

`viewflow/fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css` names `./Roboto-*.woff2` beside
itself, where the package has none (its fonts are under `../../fonts/roboto/`), so the manifest storage refuses it
and `collectstatic` fails. Nothing links that copy: viewflow's templates use `viewflow/fonts/roboto/roboto-fontface.
css`, whose fonts are all there. Leaving the copy out keeps the manifest storage strict for every other reference
(tests/core/test_deployment.py::test_collectstatic_with_production_settings).
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "viewflow/fonts/roboto/node_modules/*"]
