"""The REST API's endpoints, one module per resource. Each parses the request (serializers), calls
the selectors and services, and renders; no rule of the domain lives here."""
