"""The API app's doors, one module per resource: the REST API's endpoints (``tickets``,
``records``, ``settings``, …) and the staff member's token page (``tokens``). Each parses the
request, calls the selectors and services, and renders; no rule of the domain lives here."""
