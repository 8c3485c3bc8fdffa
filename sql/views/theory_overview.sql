-- description: Each theory with its discussion-group rank, its number of sub-points, the number of comments that discuss it (quote it, name it or argue about it: the view theory_discussion) and which comments they are.
select
  t.number,
  t.title,
  r.rank as group_rank,
  (select count(*) from theory_points p where p.theory_number = t.number) as sub_points,
  (select count(distinct d.comment_id) from theory_discussion d where d.theory_number = t.number) as discussing_comments,
  (
    select group_concat(comment_id, ', ')
    from (select distinct comment_id from theory_discussion d where d.theory_number = t.number order by comment_position)
  ) as comment_ids,
  t.credit,
  t.description
from theories t
left join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
order by t.number
