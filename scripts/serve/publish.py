"""Publish the built site with `datasette publish`, configured exactly as `serve` runs it.

The same database (served immutable by every platform), metadata, templates, local plugins,
static downloads and settings, with the Datasette plugins pinned in requirements.lock installed
on the host. Cloud Run is built into Datasette; Vercel and Fly need a publish plugin installed
locally first (the second item of PLATFORMS).
"""

import json
import os
import shlex

from scripts.core.errors import BuildError
from scripts.serve import instance

# platform -> (option naming the deployment, local plugin that adds the platform or None)
PLATFORMS = {
    "cloudrun": ("--service", None),
    "vercel": ("--project", "datasette-publish-vercel"),
    "fly": ("--app", "datasette-publish-fly"),
}


def runtime_plugins(project):
    """`name==version` of every Datasette plugin the instance runs, from requirements.lock."""
    pins = []
    for line in (project.root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        name = line.split("==")[0].strip().lower()
        if name.startswith("datasette-") and not name.startswith("datasette-publish-"):
            pins.append(line.strip())
    return pins


def command(project, platform, name):
    """The `datasette publish` command line, with paths relative to the project root."""
    option, _ = PLATFORMS[platform]
    version = json.loads(project.package_path.read_text(encoding="utf-8"))["version"]
    args = [instance.datasette_executable(), "publish", platform, project.rel(project.db_path), *instance.publish_site_options(project, path=project.rel)]
    for pin in runtime_plugins(project):
        args += ["--install", pin]
    args += ["--extra-options", shlex.join(instance.setting_options()), "--version-note", f"package v{version}", option, name]
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
