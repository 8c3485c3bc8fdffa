"""Values several layers share, each named once."""

# The rating set of the post's discussion group: the group's rank order (scripts/pipeline/normalize.py
# makes it; aggregates, the rating page and contributed sets compare with it).
GROUP_SET_ID = "discussion-group"
