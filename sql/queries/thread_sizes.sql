-- title: Threads by size
-- description: Each top-level comment with the size of the thread it starts: how many comments (itself included), how deep the replies go, and how many arguments were made in it. The label is the comment's id (ids follow the page order, so charts keep it) and its opening words.
-- chart: mark=bar x=comments:quantitative y=thread:ordinal
select
  root.id || ': ' || substr(replace(replace(root.body, char(10) || char(10), ' '), char(10), ' '), 1, 30)
    || case when length(root.body) > 30 then '…' else '' end as thread,
  count(distinct c.id) as comments,
  max(c.depth) as deepest_reply,
  count(distinct a.id) as arguments
from comments root
join comments c on c.thread_id = root.id
left join arguments a on a.comment_id = c.id
where root.parent_id is null
group by root.id
order by root.position
