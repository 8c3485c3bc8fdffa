"""Publish the built site with `datasette publish`, configured exactly as `serve` runs it: the
same database (immutable), site options and settings, with Datasette, its plugins and everything
they depend on installed at the versions of requirements.lock, which the tests ran with (a
newer Datasette, 1.0, reads saved queries from another file and would drop them). Cloud Run is
built into Datasette; Vercel and Fly need a publish plugin installed locally first."""

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
SERVER_EXTRAS = ("uvloop", "httptools")  # uvicorn uses them when installed; the tests ran with them


def runtime_pins(project):
    """`name==version` from requirements.lock of Datasette, every Datasette plugin the instance runs
    (publish plugins run here, not there), the plugins' libraries and, recursively, everything
    they require as the installed distributions declare it (markers for this Python, no extras)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lines = (project.root / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = {canonicalize_name(line.split("==")[0].strip()): line.strip() for line in (line.split("#")[0] for line in lines) if "==" in line}
    if "datasette" not in pins:
        raise BuildError("requirements.lock", "pins no datasette==VERSION; a deployment must run the Datasette the tests ran")
    plugins = [name for name in sorted(pins) if name.startswith("datasette-") and not name.startswith("datasette-publish-")]
    roots = ["datasette", *plugins, *(name for name in SERVER_EXTRAS if name in pins), *PLUGIN_LIBRARIES]
    found, pending = set(), list(roots)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found or name not in pins:
            continue
        found.add(name)
        for requirement in map(Requirement, metadata.requires(name) or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return [pins[name] for name in roots + sorted(found - set(roots))]


def version_note(project):
    """The build's version as the site shows it (`package v0.3.0`, or `package v0.3.0+unreleased`
    for a build that differs from its release record): from the package zip's name in metadata.yml."""
    import yaml

    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    archive = yaml.safe_load(project.metadata_path.read_text(encoding="utf-8"))["plugins"][names.SITE_CONFIG]["package_zip"]
    return "package v" + archive.removeprefix(f"{descriptor['name']}-").removesuffix(".zip")


def command(project, platform, name):
    """The `datasette publish` command line, with paths relative to the project root. The image
    makes its own inspect file (`datasette inspect` on the same database)."""
    args = [instance.datasette_executable(), "publish", platform, project.rel(project.db_path)]
    args += instance.site_options(project, path=project.rel, inspect=False)
    for pin in runtime_pins(project):
        args += ["--install", pin]
    args += ["--extra-options", shlex.join(instance.setting_options()), "--version-note", version_note(project)]
    return args + [PLATFORMS[platform][0], name]


def publish(project, platform, name, dry_run=False, print=print):
    args = command(project, platform, name)
    if dry_run:
        return print(shlex.join([project.rel(args[0])] + args[1:]))
    from importlib import metadata

    plugin = PLATFORMS[platform][1]
    try:
        plugin and metadata.version(plugin)
    except metadata.PackageNotFoundError:
        raise BuildError(platform, f"`datasette publish {platform}` needs the {plugin} plugin: .venv/bin/pip install {plugin}") from None
    os.chdir(project.root)
    os.execv(args[0], args)
