#!/usr/bin/env python3
"""Independent reference for FHIRDatasetTests: maps Data/fhir-example-bundle.json with
Data/fhir-example-mapping.json in plain Python and prints the counts the Swift importer must
reproduce. Run from this folder:  python3 fhir_example_reference.py
"""
import json
from datetime import datetime, timezone

bundle = json.load(open("../../../Data/fhir-example-bundle.json"))
mapping = json.load(open("../../../Data/fhir-example-mapping.json"))
columns = mapping["columns"]
max_missing = mapping["missing"]["maxMissingPerRow"]

def when(text):
    if text is None:
        return float("-inf")
    return datetime.fromisoformat(text).astimezone(timezone.utc).timestamp()

patients, by_url, counts = [], {}, {}
for e in bundle["entry"]:
    r = e["resource"]
    counts[r["resourceType"]] = counts.get(r["resourceType"], 0) + 1
    if r["resourceType"] == "Patient":
        patients.append(r["id"])
        by_url[e["fullUrl"]] = r["id"]

latest = {}   # (patient, column) -> (time, entry index, value)
matched, without_result = 0, 0
for i, e in enumerate(bundle["entry"]):
    r = e["resource"]
    if r["resourceType"] != "Observation":
        continue
    if r["status"] not in ("preliminary", "final", "amended", "corrected"):
        without_result += 1
        continue
    p = by_url[r["subject"]["reference"]]
    hit = False
    for part in [r] + r.get("component", []):
        codes = {(c["system"], c["code"]) for c in part["code"]["coding"]}
        for k, col in enumerate(columns):
            if ("http://loinc.org", col["code"]) in codes and "valueQuantity" in part:
                q = part["valueQuantity"]
                value = q["value"] * (1 if q["code"] == col["unit"] else col["convert"][q["code"]])
                key = (p, k)
                t = (when(r.get("effectiveDateTime")), i)
                if key not in latest or latest[key][:2] <= t:
                    latest[key] = (*t, value)
                hit = True
    matched += hit

positive = set()
for e in bundle["entry"]:
    r = e["resource"]
    if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] in mapping["label"]["condition"]["codes"]:
        clinical = r.get("clinicalStatus", {}).get("coding", [{}])[0].get("code")
        verification = r.get("verificationStatus", {}).get("coding", [{}])[0].get("code")
        if clinical not in ("inactive", "resolved", "remission") and verification not in ("refuted", "entered-in-error"):
            positive.add(by_url[r["subject"]["reference"]])

kept, dropped, imputed, labels = [], 0, [0] * len(columns), [0, 0]
for p in patients:
    row = [latest.get((p, k), (None, None, None))[2] for k in range(len(columns))]
    missing = sum(v is None for v in row)
    if missing > max_missing:
        dropped += 1
        continue
    kept.append(p)
    labels[p in positive] += 1
    for k, v in enumerate(row):
        imputed[k] += v is None
print("resources", counts)
print("observations with a result", counts["Observation"] - without_result, "without", without_result, "matched", matched)
print("kept", len(kept), "dropped", dropped, "label counts", labels, "missing cells per column", imputed)
