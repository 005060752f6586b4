"""Outgoing webhooks: signed deliveries of domain events to endpoints that administrators register."""
