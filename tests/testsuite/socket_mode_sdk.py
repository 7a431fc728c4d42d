"""Drives the fake Socket Mode server (tests/testsuite/support/slack_socket.rs) with Slack's own
Python client (slack_sdk's builtin SocketModeClient), as a real app would: apps.connections.open
on the fake Web API, hello, envelopes read as SocketModeRequest and acknowledged with
SocketModeResponse, a new link on `disconnect`. Prints what it saw as JSON for
tests/testsuite/socket_mode.rs.

    python socket_mode_sdk.py API_URL APP_TOKEN ENVELOPES
"""
import json
import sys
import threading

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse

api_url, app_token, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {"types": [], "requests": []}
done = threading.Event()


def on_message(client, message, raw_message):
    out["types"].append(message.get("type"))


def on_request(client, request):
    out["requests"].append({"type": request.type, "envelope_id": request.envelope_id,
                            "payload": request.payload, "retry_attempt": request.retry_attempt})
    client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
    if len(out["requests"]) >= wanted:
        done.set()


client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=api_url))
client.message_listeners.append(on_message)
client.socket_mode_request_listeners.append(on_request)
client.connect()
out["done"] = done.wait(60)
client.close()
print(json.dumps(out))
