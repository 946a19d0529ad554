-- Requests the paths listed in the file BENCH_PATHS in turn (each thread from its own start), as a browser
-- behind the site's TLS proxy would ask, and prints the totals as one JSON line for the benchmark to read.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local counter = 0
local headers = {["X-Forwarded-Proto"] = "https", ["Accept-Encoding"] = "gzip"}

function setup(thread)
  thread:set("counter", math.random(#paths))
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_ms": %f, "p99_ms": %f}\n',
    summary.requests, summary.duration / 1e6, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
