-- wrk script for bench/throughput.py. wrk counts only statuses of 400 and above as errors,
-- so a redirect to the login page would pass for a served list: every status other than
-- 200 is counted here. The summary is printed as one JSON line, so that the numbers are
-- read as wrk holds them (microseconds, counts) rather than from its rounded text.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

function done(summary, latency, requests)
  local not_200_total = 0
  for _, thread in ipairs(threads) do
    not_200_total = not_200_total + thread:get("not_200")
  end
  local errors = summary.errors
  io.write(string.format(
    'THROUGHPUT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, '
      .. '"read": %d, "write": %d, "timeout": %d, "not_200": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.timeout, not_200_total,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
