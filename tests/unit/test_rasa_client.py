import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable


def test_a_conversation_sticks_to_one_replica_and_all_replicas_are_tried():
    client = RasaClient(["http://a:1", "http://b:2", "http://c:3"])
    order = client._replicas_for("sender-1")
    assert order == client._replicas_for("sender-1")
    assert sorted(order) == ["http://a:1", "http://b:2", "http://c:3"]


async def test_unreachable_replicas_raise_rasa_unavailable():
    client = RasaClient(["http://127.0.0.1:9"])  # the discard port: nothing listens
    with pytest.raises(RasaUnavailable):
        await client.send("s", "hoi")
    await client.close()


async def test_a_gateway_error_moves_on_to_the_next_replica():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        if request.url.host == "down":
            return httpx.Response(503)
        return httpx.Response(200, json=[{"recipient_id": "s", "text": "hallo"}])

    client = RasaClient(["http://down", "http://up"])
    client._http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client.urls = ["http://down", "http://up"]
    client._replicas_for = lambda sender: ["http://down", "http://up"]  # type: ignore[method-assign]
    assert await client.send("s", "hoi") == [{"recipient_id": "s", "text": "hallo"}]
    assert calls == ["down", "up"]
    await client.close()
