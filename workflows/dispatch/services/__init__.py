"""Business rules of the dispatch process, one module per concern. Views, flow nodes, the demo loader and tests
all call these:

- `drafting`: starting, saving and submitting a draft, its attachments;
- `documents`: what templates_docs prints for a dispatch, and the revisions it renders;
- `decisions`: the head of unit's review and the leadership's approval (four eyes);
- `issuing`: numbering, the leader's signature (in one step or two, with a token) and the organisation's seal;
- `delivery`: sending to the recipients, their receipts, publishing a public dispatch;
- `reminders`: overdue tasks.

Every function that changes state writes one audit entry (`workflows.dispatch.<what>`). Rendering and signing are
done by `templates_docs` and `signing`; a failure there raises `DispatchError` with a Vietnamese message and
leaves the process exactly as it was (the surrounding transaction rolls back), so the step can be retried.
"""
