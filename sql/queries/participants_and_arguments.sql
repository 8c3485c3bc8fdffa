-- title: Participants and what each argued
-- description: The participants the text lets us identify (most comments stay unattributed: the snapshot has no bylines), with every argument made in the comments attributed to them, the grade of each attribution (stated = the text says who wrote it; inferred = the comment's own first-person words match what only this participant says elsewhere; filter on stated for the strict set) and its evidence. Arguments in the post itself belong to the post's author, by the page's byline.
select
  p.id as participant,
  p.name,
  p.role,
  c.id as said_in,
  c.attribution_grade as grade,
  c.attribution_evidence as attribution_evidence,
  c.attribution_match as matched_words,
  a.id as argument,
  a.kind,
  a.voice,
  a.summary,
  a.start
from participants p
join comments c on c.participant_id = p.id
join arguments a on a.comment_id = c.id
union all
select p.id, p.name, p.role, 'post: ' || a.post_section_id, 'byline', 'the post''s byline', null, a.id, a.kind, a.voice, a.summary, a.start
from participants p
join arguments a on a.post_section_id is not null
where p.role = 'post author'
order by participant, start
