-- title: Threads by size
-- description: Each top-level comment with the size of the thread it starts: how many comments (itself included), how deep the replies go, and how many arguments were made in it. The label starts with the zero-padded page position so charts keep the page order.
-- chart: mark=bar x=comments:quantitative y=thread:ordinal
select
  printf('%02d %s', root.position, root.id || ': ' || substr(replace(replace(root.body, char(10) || char(10), ' '), char(10), ' '), 1, 40)) as thread,
  count(distinct c.id) as comments,
  max(c.depth) as deepest_reply,
  count(distinct a.id) as arguments
from comments root
join comments c on c.thread_id = root.id
left join arguments a on a.comment_id = c.id
where root.parent_id is null
group by root.id
order by root.position
