"Shared pytest set-up: no network during tests (catches accidental dataset downloads)."
import socket, pytest

class NetworkBlocked(RuntimeError): pass

@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def guard(*a, **k): raise NetworkBlocked('tests must not use the network (a dataset download?)')
    monkeypatch.setattr(socket.socket, 'connect', guard)
    monkeypatch.setattr(socket, 'create_connection', guard)
