"""Names the served site and the build share, in one place: the static mounts `serve` and
`publish` give Datasette, and the key of the site's plugin configuration in metadata.yml. It
ships with the site (Datasette loads it from --plugins-dir, a file with no hook), so the
plugins read it by path, and scripts/core/names.py reads this same file for the build and
serve. It must not import anything from scripts/.
"""

DOWNLOADS_MOUNT = "downloads"  # the build's downloads (package zip, its .sha256, the argument map)
ASSETS_MOUNT = "assets"  # the rating page's script and style (site/static/)
RATING_MOUNT = "rating"  # the rating page's data (built)
SITE_CONFIG = "longlist-site"  # metadata.yml: plugins: longlist-site: {package_zip, dataset_jsonld}
