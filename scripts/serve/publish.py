"""Publish the built site with `datasette publish`, configured exactly as `serve` runs it.

The same database (served immutable by every platform), metadata, templates, local plugins,
static downloads and settings, with Datasette itself, every Datasette plugin and everything
they depend on (uvicorn, httpx, Jinja2, ...) installed at the versions pinned in
requirements.lock: a deployment runs the tested site, not whatever is newest (Datasette 1.0
reads saved queries from another file and would drop them).
Cloud Run is built into Datasette; Vercel and Fly need a publish plugin installed locally
first (the second item of PLATFORMS).

`serve`'s site options (scripts/serve/instance.py `site_options`) are passed on one by one;
an option `datasette publish` has no flag for fails here rather than being dropped, except
the inspect file, which `datasette publish` always makes itself (it runs `datasette inspect`
on the same database in the image and serves with `--inspect-file inspect-data.json`).
"""

import json
import os
import shlex

from scripts.core import names
from scripts.core.errors import BuildError
from scripts.serve import instance

# platform -> (option naming the deployment, local plugin that adds the platform or None)
PLATFORMS = {
    "cloudrun": ("--service", None),
    "vercel": ("--project", "datasette-publish-vercel"),
    "fly": ("--app", "datasette-publish-fly"),
}


# libraries the site's own plugins import (request_pipeline.py: gzip; critique_pages.py: Markdown)
PLUGIN_LIBRARIES = ("starlette", "markdown-it-py")
# serve's site options that `datasette publish` takes with the same flag and value
PASSED_ON = ("--metadata", "--template-dir", "--plugins-dir", "--static")
# serve's site options that `datasette publish` makes itself in the image (see above)
MADE_BY_PUBLISH = ("--inspect-file",)


def lock_pins(project):
    """{lowercase name: `name==version`} of requirements.lock."""
    pins = {}
    for line in (project.root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            pins[line.split("==")[0].strip().lower()] = line
    return pins


# uvicorn (Datasette's server) uses these when they are installed; the tests ran with them
# (pyproject.toml), so the deployment gets them too.
SERVER_EXTRAS = ("uvloop", "httptools")


def requirements_closure(roots, pinned):
    """Canonical names of `roots` and of everything they require, recursively, as the
    installed distributions declare it (markers evaluated for this Python, no extras), kept
    to the names `pinned` holds."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found, pending = set(), [canonicalize_name(name) for name in roots]
    while pending:
        name = pending.pop()
        if name in found or name not in pinned:
            continue
        found.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return found


def runtime_pins(project):
    """`name==version` of Datasette, of every Datasette plugin the instance runs (the publish
    plugins run here, not in the deployment) and of everything they depend on, from
    requirements.lock: the versions the tests ran with."""
    from packaging.utils import canonicalize_name

    pins = {canonicalize_name(name): pin for name, pin in lock_pins(project).items()}
    if "datasette" not in pins:
        raise BuildError("requirements.lock", "pins no datasette==VERSION; a deployment must run the Datasette the tests ran")
    plugins = [name for name in sorted(pins) if name.startswith("datasette-") and not name.startswith("datasette-publish-")]
    roots = ["datasette", *plugins, *(name for name in SERVER_EXTRAS if name in pins), *PLUGIN_LIBRARIES]
    dependencies = sorted(requirements_closure(roots, pins) - set(roots))
    return [pins[name] for name in roots + dependencies]


def option_pairs(options):
    """[(flag, value)] of a list of `--flag value` options."""
    if len(options) % 2:
        raise BuildError("scripts/serve/instance.py", f"site_options must be --flag value pairs, got {options}")
    return list(zip(options[::2], options[1::2]))


def publish_options(project):
    """serve's site options as `datasette publish` takes them."""
    args = []
    for flag, value in option_pairs(instance.site_options(project, path=project.rel)):
        if flag in MADE_BY_PUBLISH:
            continue
        if flag not in PASSED_ON:
            raise BuildError(
                "scripts/serve/publish.py",
                f"serve uses {flag} {value}, which `datasette publish` has no flag for: pass it in --extra-options or add it to PASSED_ON",
            )
        args += [flag, value]
    return args


def version_note(project):
    """The build's version as the site shows it: `package v0.1.0`, or `package v0.1.0+unreleased`
    for a build that differs from its version's release record: the name of the package zip
    the build wrote into metadata.yml."""
    import yaml

    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    config = yaml.safe_load(project.metadata_path.read_text(encoding="utf-8"))["plugins"][names.SITE_CONFIG]
    archive = config["package_zip"]
    return "package v" + archive.removeprefix(f"{descriptor['name']}-").removesuffix(".zip")


def command(project, platform, name):
    """The `datasette publish` command line, with paths relative to the project root."""
    option, _ = PLATFORMS[platform]
    args = [instance.datasette_executable(), "publish", platform, project.rel(project.db_path), *publish_options(project)]
    for pin in runtime_pins(project):
        args += ["--install", pin]
    args += ["--extra-options", shlex.join(instance.setting_options()), "--version-note", version_note(project), option, name]
    return args


def installed(distribution):
    from importlib import metadata

    try:
        metadata.version(distribution)
        return True
    except metadata.PackageNotFoundError:
        return False


def publish(project, platform, name, dry_run=False, print=print):
    args = command(project, platform, name)
    if dry_run:
        print(shlex.join([project.rel(args[0])] + args[1:]))
        return
    _, plugin = PLATFORMS[platform]
    if plugin and not installed(plugin):
        raise BuildError(platform, f"`datasette publish {platform}` needs the {plugin} plugin: .venv/bin/pip install {plugin}")
    os.chdir(project.root)
    os.execv(args[0], args)
