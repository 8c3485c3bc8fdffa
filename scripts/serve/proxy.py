"""The nginx site of deploy/nginx-longlist.conf, started on its own in a folder (for the proxy
test and the load benchmark): nginx -p FOLDER -c nginx.conf, in the foreground."""

import os
import shutil
import subprocess
from pathlib import Path

from scripts.core.paths import REPO_ROOT

SITE = REPO_ROOT / "deploy" / "nginx-longlist.conf"  # the code's own file, whichever project it serves
MAIN = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    include {folder}/site.conf;
}}
"""


def nginx():
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    return found


def site_config(listen, upstream, cache_dir):
    text = SITE.read_text(encoding="utf-8")
    return text.replace("@LISTEN@", str(listen)).replace("@UPSTREAM@", upstream).replace("@CACHE_DIR@", str(cache_dir))


def start(folder, listen, upstream):
    """nginx serving the site file on `listen`, in front of `upstream`: the process."""
    folder = Path(folder)
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    (folder / "site.conf").write_text(site_config(listen, upstream, folder / "cache"), encoding="utf-8")
    # run as root (a test machine), nginx's workers would otherwise be `nobody`, who cannot write the folder
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN.format(user=user, folder=folder), encoding="utf-8")
    return subprocess.Popen([nginx(), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
