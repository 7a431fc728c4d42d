"""Drives the fake Slack Web API with Slack's own Python client (slack_sdk), as a real client
would: the SDK's cursor iteration for every paginated method, its rate-limit retry handler, and
a download of a private file. Prints what it read as JSON for tests/testsuite/slack_api_fake.rs.

    python slack_api_fake.py API_URL TOKEN LIMIT
"""
import hashlib
import json
import sys
import urllib.error
import urllib.request

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

api_url, token, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = WebClient(token=token, base_url=api_url,
                   retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
out = {"channels": {}, "max_page": 0, "pages": 0, "reply_count_mismatches": []}


def pages(response, key):
    """Every page of a paginated call through the SDK's own iteration."""
    for page in response:
        items = page[key]
        out["max_page"] = max(out["max_page"], len(items))
        out["pages"] += 1
        yield items


assert client.auth_test()["ok"]
channels = [c for p in pages(client.conversations_list(types="public_channel,private_channel",
                                                        limit=limit), "channels") for c in p]
first_file = None
for channel in channels:
    history = [m for p in pages(client.conversations_history(channel=channel["id"], limit=limit),
                                "messages") for m in p]
    stamps = [m["ts"] for m in history]
    assert stamps == sorted(stamps, key=float, reverse=True), "history is newest first"
    assert len(set(stamps)) == len(stamps), "no message twice across pages"
    top = [m for m in history if m.get("thread_ts", m["ts"]) == m["ts"]]
    replies = set()
    for parent in (m for m in top if m.get("reply_count")):
        thread = set()
        for p in pages(client.conversations_replies(channel=channel["id"], ts=parent["ts"],
                                                    limit=limit), "messages"):
            assert p[0]["ts"] == parent["ts"], "a page of replies starts with the parent"
            thread.update(m["ts"] for m in p[1:])
        if len(thread) != parent["reply_count"] or max(thread) != parent["latest_reply"]:
            out["reply_count_mismatches"].append(parent["ts"])
        replies |= thread
    out["channels"][channel["name"]] = {"top": len(top), "replies": len(replies),
                                        "broadcasts": len(history) - len(top)}
    first_file = first_file or next((f for m in history for f in m.get("files", [])), None)

out["users"] = sum(len(p) for p in pages(client.users_list(limit=limit), "members"))
out["emoji"] = client.emoji_list()["emoji"]


def fetch(url, token):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


status, content_type, body = fetch(first_file["url_private"], client.token)
out["download"] = {"id": first_file["id"], "status": status, "content_type": content_type,
                   "sha256": hashlib.sha256(body).hexdigest()}
status, content_type, body = fetch(first_file["url_private"], "xoxb-wrong")
out["trap"] = {"status": status, "content_type": content_type,
               "login_page": b"Sign in to Slack" in body}
print(json.dumps(out))
