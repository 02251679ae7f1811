"""Business rules of the pledge campaign, one module per concern (reads are in `workflows.pledges.selectors`):

- `carriers`: the registry import and the carriers' correction requests;
- `campaigns`: starting and closing a campaign, issuing every pledge in the background;
- `issuance`: rendering, storing and registering one carrier's pledge, and starting its process;
- `invitations`: the one-time links, reminders, a campaign still open;
- `otp`: the e-mail one-time codes;
- `answers`: the carrier's answer (the three signing methods, or declining);
- `countersignature`: the department's seal on a signed pledge and its certificate of participation;
- `mail`: the campaign's outgoing e-mail.

Each background task (django-tasks) is declared beside the service it runs. Heavy work (rendering, signing)
happens outside the transactions that lock a row, so one slow signature never holds others up.
"""
