-- title: Participants and what each argued
-- description: The participants the text lets us identify (most comments stay unattributed: the snapshot has no bylines), with every argument made in the comments attributed to them and the evidence for each attribution. Arguments in the post itself belong to the post's author, by the page's byline.
select
  p.id as participant,
  p.name,
  p.role,
  c.id as said_in,
  c.attribution_evidence as attribution_evidence,
  a.id as argument,
  a.kind,
  a.summary,
  a.start
from participants p
join comments c on c.participant_id = p.id
join arguments a on a.comment_id = c.id
union all
select p.id, p.name, p.role, 'post: ' || a.post_section_id, 'the post''s byline', a.id, a.kind, a.summary, a.start
from participants p
join arguments a on a.post_section_id is not null
where p.role = 'post author'
order by participant, start
