#!/usr/bin/env python3
"""The baseline `bench/e2e` measures the CLI against: what a user would write in 25 lines
instead of using evsessions. Reads every finished eMabler session page by page (urllib, json
with exact Decimals) and writes one JSON line per session to stdout.

    python3 bench/baseline.py BASE_URL [API_KEY]
"""
import json
import sys
import urllib.request
from decimal import Decimal

base = sys.argv[1]
key = sys.argv[2] if len(sys.argv) > 2 else "bench"
out = sys.stdout
page = 1
while True:
    body = json.dumps({"page": page, "limit": 1000}).encode()
    req = urllib.request.Request(f"{base}/v2/transactions", data=body, method="POST",
                                 headers={"x-api-key": key, "content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        data = json.loads(r.read(), parse_float=Decimal)
    for item in data["items"]:
        s = {"source": "emabler", "id": str(item["id"]), "started_at": item.get("timestampStart"),
             "ended_at": item.get("timestampEnd"), "energy_kwh": item.get("fullConsumptionKWh"),
             "charger_id": item.get("chargerId"), "user_id": item.get("authorizedUserId"),
             "currency": item.get("currency"), "total": item.get("totalCostInclVat"), "raw": item}
        out.write(json.dumps(s, default=str))
        out.write("\n")
    if not data.get("hasNextPage"):
        break
    page += 1
