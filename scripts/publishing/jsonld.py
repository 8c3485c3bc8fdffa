"""The index page's schema.org `Dataset` (JSON-LD), from datapackage.json and CITATION.cff.

Written into metadata.yml as `dataset_jsonld`, with the site's own files as paths from the
site's root (/downloads/..., /longlist.db, /package/...); site/plugins/discovery.py makes
them absolute for the host that serves the page, as search engines want.
"""

from scripts.publishing import citation

# The package's files as the site serves them (site/plugins/served_package.py serves the
# members of the package zip under /package/, so each URL is a file of the package itself).
PACKAGE_PREFIX = "/package/"
DOWNLOADS_PREFIX = "/downloads/"


def person(author):
    if "name" in author:
        return {"@type": "Organization", "name": author["name"]}
    return {
        "@type": "Person",
        "name": citation.person_plain(author),
        "givenName": author["given-names"],
        "familyName": author["family-names"],
    }


def source_work(cff):
    post = citation.source_post(cff)
    year, month, day = citation.published(post)
    date = f"{year:04d}-{month:02d}-{day:02d}" if day else f"{year:04d}-{month:02d}" if month else str(year)
    return {
        "@type": "BlogPosting",
        "name": post["title"],
        "author": [person(a) for a in post["authors"]],
        "datePublished": date,
        "publisher": {"@type": "Organization", "name": post["publisher"]["name"]},
        "url": post["url"],
    }


def distribution(descriptor, zip_name, database):
    items = [
        {
            "@type": "DataDownload",
            "name": "The whole Frictionless data package (datapackage.json, CSVs, raw snapshot, README and docs, licence, citation, croissant.json)",
            "encodingFormat": "application/zip",
            "contentUrl": f"{DOWNLOADS_PREFIX}{zip_name}",
        },
        {"@type": "DataDownload", "name": "The SQLite database", "encodingFormat": "application/vnd.sqlite3", "contentUrl": f"/{database}.db"},
        {
            "@type": "DataDownload",
            "name": "Croissant metadata (MLCommons Croissant 1.1, with the Responsible-AI fields)",
            "encodingFormat": "application/ld+json",
            "contentUrl": f"{PACKAGE_PREFIX}croissant.json",
        },
        {
            "@type": "DataDownload",
            "name": "The package descriptor: schema of every table",
            "encodingFormat": "application/json",
            "contentUrl": f"{PACKAGE_PREFIX}datapackage.json",
        },
    ]
    items += [
        {"@type": "DataDownload", "name": f"{r['name']}: {r['title']}", "encodingFormat": "text/csv", "contentUrl": f"{PACKAGE_PREFIX}{r['path']}"}
        for r in descriptor["resources"]
    ]
    return items


def dataset(descriptor, cff, database, status, zip_name):
    """The schema.org Dataset as a dict (paths of the site's own files from its root);
    `status`: the build's release status (scripts/release/status.py), None for the release."""
    post = citation.source_post(cff)
    version = citation.label(descriptor, status)
    found = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": descriptor["title"],
        "description": descriptor["description"],
        "version": version,
        "identifier": [f"https://doi.org/{cff['doi']}"] if cff.get("doi") else [],
        "keywords": descriptor.get("keywords", []),
        "license": descriptor["licenses"][0]["path"],
        "creator": [person(a) for a in cff["authors"]],
        "dateCreated": descriptor.get("created", "")[:10],
        "isAccessibleForFree": True,
        "isBasedOn": post["url"],
        "citation": [source_work(cff)],
        "creditText": citation.markdown(citation.apa_dataset(cff, version)).replace("*", ""),
        "distribution": distribution(descriptor, zip_name, database),
    }
    if descriptor.get("id"):
        found["identifier"].append(f"urn:uuid:{descriptor['id']}")
    if cff.get("url") or descriptor.get("homepage"):
        found["sameAs"] = cff.get("url") or descriptor["homepage"]
    if citation.released(status):
        found["datePublished"] = str(cff["date-released"])
    return found
