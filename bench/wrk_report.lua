-- wrk script for bench/serve_load.py: stops after WRK_REQUESTS_PER_THREAD responses (use
-- one thread), rotates through WRK_PATHS (paths separated by newlines) if given, counts
-- responses by status and those served from a cache (nginx's x-cache-status: HIT, or the old
-- in-process cache's x-longlist-cache: HIT), and prints one JSON line of figures at the end. WRK_UNIQUE=1 makes
-- every URL unique (a never-seen query parameter), as a crawler's would be.
local limit = tonumber(os.getenv("WRK_REQUESTS_PER_THREAD") or "0")
local paths = {}
for path in string.gmatch(os.getenv("WRK_PATHS") or "", "[^\n]+") do
  table.insert(paths, path)
end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  count = 0
  statuses = {}
  hits = 0
  next_path = 1
end

local unique = os.getenv("WRK_UNIQUE") == "1"

function request()
  local path = wrk.path
  if #paths > 0 then
    path = paths[next_path]
    next_path = next_path % #paths + 1
  end
  if unique then
    sent = (sent or 0) + 1
    path = path .. (string.find(path, "?", 1, true) and "&" or "?") .. "_unique=" .. sent
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  count = count + 1
  statuses[status] = (statuses[status] or 0) + 1
  if headers["X-Cache-Status"] == "HIT" or headers["x-cache-status"] == "HIT" or headers["x-longlist-cache"] == "HIT" then
    hits = hits + 1
  end
  if limit > 0 and count == limit then
    -- wrk sleeps for its whole -d; serve_load.py reads this line and interrupts it
    io.write("limit reached\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local by_status = {}
  local all_hits = 0
  for _, thread in ipairs(threads) do
    all_hits = all_hits + (thread:get("hits") or 0)
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d}, "statuses": {%s}, "hits": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ", "), all_hits))
end
