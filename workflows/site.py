"""Viewflow's staff frontend, mounted once at /workflow/: one inbox, queue and archive across every flow.

Each flow app adds its `FlowViewset` to FLOW_VIEWSETS. Carriers never use this frontend.
"""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset

from workflows.dispatch.flows import DispatchFlow
from workflows.incoming.flows import IncomingFlow
from workflows.pledges.flows import PledgeFlow

FLOW_VIEWSETS: list = []
FLOW_VIEWSETS.append(FlowViewset(DispatchFlow))
FLOW_VIEWSETS.append(FlowViewset(IncomingFlow))
# Staff only (view_pledgeprocess); carriers sign on their own pages under /cam-ket/.
FLOW_VIEWSETS.append(FlowViewset(PledgeFlow))

site = Site(
    title=_("vanthu — quy trình"),
    viewsets=[WorkflowAppViewset(title=_("Việc cần làm"), flow_viewsets=FLOW_VIEWSETS)],
)
