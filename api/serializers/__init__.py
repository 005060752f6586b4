"""What the REST API reads and writes, one module per resource: serializers parse a request's
fields and render the domain's objects. They check types and shapes only; every rule is the
services' (which raise the domain's errors, answered by ``api.errors``)."""
