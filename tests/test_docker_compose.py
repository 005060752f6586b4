from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def test_compose_file_has_the_services_and_shares_configuration():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "proxy"} <= set(services)

    def environment(name):
        env = services[name].get("environment", {})
        return env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)

    # web and worker read the same configuration: the same anchors, the same URLs.
    for name in ("web", "worker", "beat"):
        env = environment(name)
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert "depends_on" in services[name]
    assert environment("web") == environment("worker")
    assert "daphne" in " ".join(services["web"]["command"])
    # A reconnect storm's handshakes wait for the application instead of being dropped after 5 s;
    # the messenger benchmark runs daphne with the same options.
    from bench.bench_messenger import deployed_daphne_options

    assert deployed_daphne_options() == ["--websocket_connect_timeout", "20"]
    assert "celery" in " ".join(services["worker"]["command"])
    # Several web replicas behind one port: web publishes no host port, the proxy does.
    assert services["web"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["web"]
    assert services["proxy"]["ports"]


def test_the_proxy_serves_no_uploaded_files():
    """Attachments go through the app's permission check, never straight from the media volume."""
    compose = yaml.safe_load(COMPOSE.read_text())
    proxy_volumes = " ".join(compose["services"]["proxy"].get("volumes", []))
    assert "media" not in proxy_volumes
    nginx = (COMPOSE.parent / "deploy" / "nginx.conf").read_text()
    assert "alias /srv/media" not in nginx


def test_the_turn_relay_is_debians_coturn_with_the_secret_leitstand_signs_with():
    """Optional (profile "turn"): the same VIDEO_TURN_SECRET reaches coturn and Leitstand, coturn
    checks time-limited credentials with it (use-auth-secret) and relays to public addresses only."""
    import subprocess

    compose = yaml.safe_load(COMPOSE.read_text())
    coturn = compose["services"]["coturn"]
    assert coturn["profiles"] == ["turn"]
    assert coturn["environment"]["VIDEO_TURN_SECRET"] == compose["services"]["web"]["environment"]["VIDEO_TURN_SECRET"]
    assert {"3478:3478/udp", "3478:3478/tcp"} <= set(coturn["ports"])
    dockerfile = (COMPOSE.parent / "deploy" / "coturn" / "Dockerfile").read_text()
    assert dockerfile.startswith("# TURN relay") and "FROM debian:bookworm-slim" in dockerfile
    assert "apt-get install -y --no-install-recommends coturn" in dockerfile
    entrypoint = COMPOSE.parent / "deploy" / "coturn" / "entrypoint.sh"
    script = entrypoint.read_text()
    assert '--use-auth-secret --static-auth-secret="$VIDEO_TURN_SECRET"' in script
    assert "--no-loopback-peers" in script and "--denied-peer-ip=10.0.0.0-10.255.255.255" in script
    assert subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True).returncode == 0
