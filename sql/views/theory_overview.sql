-- description: Each theory with its discussion-group rank, its number of sub-points, and the number of comments that open by quoting it.
select
  t.number,
  t.title,
  r.rank as group_rank,
  (select count(*) from theory_points p where p.theory_number = t.number) as sub_points,
  (
    select count(*) from comments c
    where c.quoted_text is not null
      -- a quotation the commenter cut ends in "..."; compare what is left of it
      and instr(
        t.title || ' ' || t.description,
        rtrim(case when c.quoted_text like '%...' then substr(c.quoted_text, 1, length(c.quoted_text) - 3) else c.quoted_text end)
      ) > 0
  ) as quoting_comments,
  t.credit,
  t.description
from theories t
left join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
order by t.number
