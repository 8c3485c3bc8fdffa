"""croissant.json: the package as Croissant 1.1 metadata (MLCommons), which dataset hubs and
ML tools read (Hugging Face, Kaggle, OpenML, Dataverse, `mlcroissant`).

Generated from the same single sources as the citations and .zenodo.json: datapackage.json
(through scripts/core/schema.py: every resource becomes a FileObject with its SHA-256 and a
RecordSet with typed fields, its primary key and its foreign keys as references, so a new
resource appears here with no code edit), CITATION.cff (title, creators, citation), the
base URL (scripts/publishing/base_url.py) and data/responsible_ai.yml (the Responsible-AI
answers). `python -m scripts docs` writes it at the root of the repository; the build writes
the same file into the package zip, from the descriptor of that build.

Paths are relative to croissant.json, which sits next to datapackage.json both in the zip
and on the site (/package/croissant.json), so `mlcroissant` loads the unzipped package as it
is, and a hub resolves the files against the served copy.

A foreign key into its own resource (comments.parent_id -> comments.id) cannot be a
`references` of the RecordSet itself: `mlcroissant` joins a RecordSet with the ones it
references, and a self-join is a cycle in its graph. Each such key becomes a RecordSet of its
own, `<resource>__<field>` (one row per row of the resource: its key and the key it refers
to, both referencing the resource's key), and the field in the resource's RecordSet says so.
"""

import json

from scripts.core import yamlio
from scripts.core.errors import BuildError
from scripts.publishing import base_url, citation

FILE_NAME = "croissant.json"
RAI_FILE = "data/responsible_ai.yml"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"

# Croissant's recommended JSON-LD context (1.1), with the Responsible-AI namespace
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "equivalentProperty": "cr:equivalentProperty",
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# Table Schema type -> Croissant dataType
DATA_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float", "boolean": "sc:Boolean", "date": "sc:Date", "datetime": "sc:DateTime"}
RAI_FIELDS = (
    "dataCollection",
    "dataCollectionType",
    "dataCollectionRawData",
    "dataCollectionMissingData",
    "dataAnnotationProtocol",
    "dataAnnotationPlatform",
    "annotatorDemographics",
    "machineAnnotationTools",
    "dataBiases",
    "dataLimitations",
    "personalSensitiveInformation",
    "dataUseCases",
    "dataSocialImpact",
    "dataReleaseMaintenancePlan",
)


def load_rai(project):
    """{field: text} of data/responsible_ai.yml, every field of RAI_FIELDS answered."""
    found = yamlio.load(project.root / RAI_FILE, RAI_FILE)
    answers = {}
    for name in RAI_FIELDS:
        entry = found.get(name)
        if not isinstance(entry, dict) or not str(entry.get("text") or "").strip() or not entry.get("basis"):
            raise BuildError(RAI_FILE, "expected an answer with `text` and `basis` (the docs it summarises)", line=found.get(yamlio.LINE_KEY), field=name)
        answers[name] = " ".join(str(entry["text"]).split())
    return answers


def file_id(resource):
    return f"{resource['name']}.csv"


def sha256_of(resource):
    algorithm, _, digest = str(resource.get("hash", "")).partition(":")
    if algorithm != "sha256" or not digest:
        raise BuildError("datapackage.json", f"resource '{resource['name']}' has no sha256 hash; the build fills it in", field="hash")
    return digest


def file_objects(descriptor):
    files = [
        {
            "@type": "cr:FileObject",
            "@id": file_id(r),
            "name": file_id(r),
            "description": r.get("title", r["name"]),
            "contentUrl": r["path"],
            "encodingFormat": "text/csv",
            "sha256": sha256_of(r),
        }
        for r in descriptor["resources"]
    ]
    for source in descriptor.get("sources", []):
        if source.get("snapshot") and source.get("sha256"):
            name = source["snapshot"].rsplit("/", 1)[-1]
            files.append(
                {
                    "@type": "cr:FileObject",
                    "@id": name,
                    "name": name,
                    "description": f"The raw snapshot every span refers to: {source.get('title', name)}",
                    "contentUrl": source["snapshot"],
                    "encodingFormat": "text/markdown" if name.endswith(".md") else "text/plain",
                    "sha256": source["sha256"],
                }
            )
    return files


def field_id(resource_name, field_name):
    return f"{resource_name}/{field_name}"


def self_keys(resource):
    """Foreign keys of `resource` into itself ("resource": "" or none)."""
    return [fk for fk in resource["schema"].get("foreignKeys", []) if not fk["reference"].get("resource")]


def one_field(resource_name, source_file, field, column=None, reference=None, description=None):
    found = {
        "@type": "cr:Field",
        "@id": field_id(resource_name, field["name"]),
        "name": field["name"],
        "description": description or field.get("description", field["name"]),
        "dataType": DATA_TYPES.get(field["type"], "sc:Text"),
        "source": {"fileObject": {"@id": source_file}, "extract": {"column": column or field["name"]}},
    }
    if reference:
        found["references"] = {"field": {"@id": reference}}
    return found


def record_set(resource):
    name = resource["name"]
    schema = resource["schema"]
    outward = {}
    for fk in schema.get("foreignKeys", []):
        other = fk["reference"].get("resource")
        if other and len(fk["fields"]) == 1:
            outward[fk["fields"][0]] = field_id(other, fk["reference"]["fields"][0])
    inward = {fk["fields"][0]: self_key_set_name(resource, fk) for fk in self_keys(resource)}
    fields = []
    for field in schema["fields"]:
        description = field.get("description", field["name"])
        if field["name"] in inward:
            description += f" (Refers to this record set's key; the record set {inward[field['name']]} holds the link.)"
        fields.append(one_field(name, file_id(resource), field, reference=outward.get(field["name"]), description=description))
    found = {"@type": "cr:RecordSet", "@id": name, "name": name, "description": resource.get("description", name), "field": fields}
    found["key"] = [{"@id": field_id(name, key)} for key in schema["primaryKey"]]
    return found


def self_key_set_name(resource, fk):
    return f"{resource['name']}__{fk['fields'][0]}"


def self_key_sets(resource):
    """One RecordSet per foreign key of `resource` into itself (see the module's docstring)."""
    name = resource["name"]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    key = resource["schema"]["primaryKey"]
    sets = []
    for fk in self_keys(resource):
        if len(key) != 1 or len(fk["fields"]) != 1:
            raise BuildError("datapackage.json", f"resource '{name}': a key into itself must be one field onto a one-field primary key", field="foreignKeys")
        set_name = self_key_set_name(resource, fk)
        own, target = fields[key[0]], fields[fk["fields"][0]]
        sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": set_name,
                "name": set_name,
                "description": f"The link {name}.{target['name']} -> {name}.{fk['reference']['fields'][0]}, one row per row of {name}: "
                + target.get("description", ""),
                "field": [
                    one_field(set_name, file_id(resource), own, reference=field_id(name, own["name"]), description=f"The row of {name}."),
                    one_field(set_name, file_id(resource), target, reference=field_id(name, fk["reference"]["fields"][0])),
                ],
            }
        )
    return sets


def creator(author):
    if "name" in author:
        return {"@type": "Organization", "name": author["name"]}
    return {"@type": "Person", "name": citation.person_plain(author), "givenName": author["given-names"], "familyName": author["family-names"]}


def dataset(descriptor, cff, rai, base):
    """The Croissant document as a dict; `base`: the configured base URL or ""."""
    version = str(descriptor["version"])
    found = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": descriptor["name"],
        "alternateName": descriptor["title"],
        "description": descriptor["description"],
        "version": version,
        "license": descriptor["licenses"][0]["path"],
        "creator": [creator(a) for a in cff["authors"]],
        "datePublished": str(cff["date-released"]),
        "keywords": descriptor.get("keywords", []),
        "isBasedOn": citation.source_post(cff)["url"],
        "citeAs": citation.bibtex_dataset(cff, descriptor),
        "isLiveDataset": False,
    }
    # the landing page where one is known (no public home yet: none rather than a guess)
    landing = base_url.landing_page(base) or cff.get("url")
    if landing:
        found["url"] = landing
    if cff.get("doi"):
        found["identifier"] = f"https://doi.org/{cff['doi']}"
    found.update({f"rai:{name}": text for name, text in rai.items()})
    found["distribution"] = file_objects(descriptor)
    found["recordSet"] = [record_set(r) for r in descriptor["resources"]] + [s for r in descriptor["resources"] for s in self_key_sets(r)]
    return found


def text(descriptor, cff, rai, base):
    return json.dumps(dataset(descriptor, cff, rai, base), indent=2, ensure_ascii=False) + "\n"


def text_for(project, descriptor):
    """croissant.json for `descriptor` (the committed one, or a build's staged one)."""
    return text(descriptor, citation.load(project), load_rai(project), base_url.configured(project))
