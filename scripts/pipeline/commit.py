"""The last step of a build: move every staged output into place, all or nothing."""

import os


def commit(project, staging, relatives):
    """Move every staged output into place. Each move is atomic; if one fails (or the user
    interrupts), the outputs already moved are put back, so no mix of old and new remains."""
    previous = staging / "previous"
    moved = []
    try:
        for relative in relatives:
            target = project.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                keep = previous / relative
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.link(target, keep)  # a second name for the old file; the move below unlinks only the first
            os.replace(staging / relative, target)
            moved.append(relative)
    except BaseException:
        for relative in reversed(moved):
            keep = previous / relative
            if keep.exists():
                os.replace(keep, project.root / relative)
            else:
                (project.root / relative).unlink()
        raise
