#!/usr/bin/env python3
"""Writes fhir-example-bundle.json: a synthetic FHIR R4 Bundle of 200 outpatients.

Everything here is made up by this script (names, identifiers, dates and measurements); no
real patient is behind any record. Run it from this folder; the fixed seed makes the output
byte-for-byte reproducible (Python's `random` with a seed is stable across 3.x versions):

    python3 make_fhir_example.py     # writes fhir-example-bundle.json

The bundle looks like an export from a hospital system (a Synthea-style transaction bundle
with urn:uuid references):
  - Patient: identifier (MRN), name, gender, birthDate.
  - Encounter: one per visit (1-3 visits per patient, 2023-2024).
  - Observation, vital signs per visit: heart rate (LOINC 8867-4, /min), a blood-pressure
    panel (85354-9) whose components are systolic 8480-6 and diastolic 8462-4 (mm[Hg]),
    BMI (39156-5, kg/m2).
  - Observation, labs at most visits: glucose (2339-0, mg/dL; one lab reports mmol/L, as SI
    labs do), HbA1c (4548-4, %).
  - Condition: type 2 diabetes (SNOMED 44054006) for about a quarter of the patients, a few of
    them refuted after work-up; hypertension (38341003) for others.
Some measurements are missing (not taken at a visit, or a lab never ordered), a few
observations were entered in error, and two patients have no measurements at all, as in
real exports.
"""

import json
import random
import uuid

SEED = 20240601
PATIENTS = 200

rng = random.Random(SEED)

GIVEN = ["Alex", "Sam", "Robin", "Kim", "Noa", "Mika", "Jo", "Lou", "Eli", "Ari", "Dani", "Toni",
         "Charlie", "Jules", "Sasha", "Remy", "Billie", "Max", "Luca", "Nico"]
FAMILY = ["Moreau", "Keller", "Novak", "Rossi", "Jansen", "Silva", "Dubois", "Horvat", "Berg",
          "Costa", "Fischer", "Laine", "Marin", "Olsen", "Petit", "Quinn", "Ruiz", "Varga",
          "Weber", "Young"]


def new_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def coding(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
VITAL = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "vital-signs", "display": "Vital Signs"}]}
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                   "code": "laboratory", "display": "Laboratory"}]}


def quantity(value, unit):
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def observation(patient, encounter, when, category, code, display, value=None, unit=None,
                components=None, status="final"):
    resource = {
        "resourceType": "Observation",
        "id": new_id(),
        "status": status,
        "category": [category],
        "code": coding(LOINC, code, display),
        "subject": {"reference": "urn:uuid:" + patient},
        "encounter": {"reference": "urn:uuid:" + encounter},
        "effectiveDateTime": when,
    }
    if value is not None:
        resource["valueQuantity"] = quantity(value, unit)
    if components is not None:
        resource["component"] = components
    return resource


def entry(resource):
    return {"fullUrl": "urn:uuid:" + resource["id"], "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"]}}


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


entries = []
no_measurements = {17, 133}   # two patients registered but never measured
for number in range(PATIENTS):
    pid = new_id()
    age = rng.randint(25, 85)
    gender = rng.choice(["female", "male"])
    birth = f"{2024 - age}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    bmi = clamp(rng.gauss(27.5, 5.0), 17.0, 48.0)
    # Diabetes risk rises with age and BMI (a logistic model, prevalence about 25 %).
    risk = 1 / (1 + pow(2.718281828, -(-8.0 + 0.055 * age + 0.14 * bmi)))
    diabetic = rng.random() < risk
    refuted = not diabetic and rng.random() < 0.02
    hypertensive = rng.random() < 0.15 + 0.004 * age
    entries.append(entry({
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "urn:oid:1.3.6.1.4.1.99999.1.1", "value": f"MRN-{100000 + number * 7}"}],
        "name": [{"use": "official", "family": rng.choice(FAMILY), "given": [rng.choice(GIVEN)]}],
        "gender": gender,
        "birthDate": birth,
    }))
    if diabetic or refuted:
        entries.append(entry({
            "resourceType": "Condition",
            "id": new_id(),
            "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
            "verificationStatus": coding("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                         "refuted" if refuted else "confirmed",
                                         "Refuted" if refuted else "Confirmed"),
            "category": [coding("http://terminology.hl7.org/CodeSystem/condition-category",
                                "problem-list-item", "Problem List Item")],
            "code": coding(SNOMED, "44054006", "Diabetes mellitus type 2 (disorder)"),
            "subject": {"reference": "urn:uuid:" + pid},
            "onsetDateTime": f"{rng.randint(2012, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }))
    if hypertensive:
        entries.append(entry({
            "resourceType": "Condition",
            "id": new_id(),
            "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
            "code": coding(SNOMED, "38341003", "Hypertensive disorder, systemic arterial (disorder)"),
            "subject": {"reference": "urn:uuid:" + pid},
        }))
    if number in no_measurements:
        continue
    orders_labs = rng.random() < 0.9
    for visit in range(rng.randint(1, 3)):
        eid = new_id()
        day = f"202{3 + visit // 2}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        when = f"{day}T{rng.randint(8, 17):02d}:{rng.choice(['00', '15', '30', '45'])}:00+01:00"
        entries.append(entry({
            "resourceType": "Encounter",
            "id": eid,
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                      "display": "ambulatory"},
            "subject": {"reference": "urn:uuid:" + pid},
            "period": {"start": when, "end": when},
        }))
        bmi_now = round(clamp(bmi + rng.gauss(0, 0.6), 16.0, 50.0), 1)
        systolic = round(clamp(rng.gauss(118 + 0.35 * (age - 40) + (14 if hypertensive else 0), 12), 88, 210))
        diastolic = round(clamp(systolic * 0.62 + rng.gauss(4, 6), 50, 125))
        heart = round(clamp(rng.gauss(72 + (4 if diabetic else 0), 10), 45, 140))
        if rng.random() < 0.93:
            entries.append(entry(observation(pid, eid, when, VITAL, "8867-4", "Heart rate", heart, "/min")))
        if rng.random() < 0.93:
            entries.append(entry(observation(pid, eid, when, VITAL, "85354-9", "Blood pressure panel", components=[
                {"code": coding(LOINC, "8480-6", "Systolic blood pressure"), "valueQuantity": quantity(systolic, "mm[Hg]")},
                {"code": coding(LOINC, "8462-4", "Diastolic blood pressure"), "valueQuantity": quantity(diastolic, "mm[Hg]")},
            ])))
        if rng.random() < 0.9:
            entries.append(entry(observation(pid, eid, when, VITAL, "39156-5", "Body mass index (BMI) [Ratio]",
                                             bmi_now, "kg/m2")))
        if orders_labs and rng.random() < 0.8:
            hba1c = round(clamp(rng.gauss(7.6 if diabetic else 5.4, 0.9 if diabetic else 0.35), 4.0, 13.5), 1)
            glucose = clamp(rng.gauss(150 if diabetic else 94, 32 if diabetic else 11), 60, 380)
            if rng.random() < 0.1:
                # A lab that reports SI units: mmol/L (mg/dL ÷ 18.016).
                entries.append(entry(observation(pid, eid, when, LAB, "2339-0", "Glucose [Mass/volume] in Blood",
                                                 round(glucose / 18.016, 1), "mmol/L")))
            else:
                entries.append(entry(observation(pid, eid, when, LAB, "2339-0", "Glucose [Mass/volume] in Blood",
                                                 round(glucose), "mg/dL")))
            if rng.random() < 0.85:
                entries.append(entry(observation(pid, eid, when, LAB, "4548-4",
                                                 "Hemoglobin A1c/Hemoglobin.total in Blood", hba1c, "%")))
            if rng.random() < 0.03:
                # Entered in error and left in the record, as happens: the importer ignores it.
                entries.append(entry(observation(pid, eid, when, LAB, "4548-4",
                                                 "Hemoglobin A1c/Hemoglobin.total in Blood", 55.0, "%",
                                                 status="entered-in-error")))

# One entry per line: compact, yet diffs and error paths (Bundle.entry[i]) stay easy to follow.
with open("fhir-example-bundle.json", "w") as out:
    out.write('{"resourceType": "Bundle", "id": "medchain-fhir-example", "type": "transaction", "entry": [\n')
    out.write(",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries))
    out.write("\n]}\n")
counts = {}
for e in entries:
    counts[e["resource"]["resourceType"]] = counts.get(e["resource"]["resourceType"], 0) + 1
print(counts)
