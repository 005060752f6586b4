"""Small building blocks shared by all apps (no models of its own, not an installed app)."""
