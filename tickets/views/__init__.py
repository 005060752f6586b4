"""Staff pages for tickets: list (list.py), detail with status bar and tabs (detail.py),
creation wizard (wizard.py), access-code QR images (codes.py). All changes go through
tickets.services / fleet.services; domain errors become messages via common.http."""
