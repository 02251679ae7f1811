"""`document_registered(document=…)`: sent by `register_incoming` inside the registration's transaction.

The flow module listens and starts the document's handling process, so every way in (the clerk's page, a package
received by command or by polling the exchange, the demo) presents the document to the leadership, and the
registration's services need not import the flow (which imports the step views, which import the services).
"""

from django.dispatch import Signal

document_registered = Signal()
