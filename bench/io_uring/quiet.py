# snap: prints "busy_seconds_all_cpus nginx_worker_seconds"; wait: waits (<=180 s) until both CPUs are >=92% idle over 1 s.
import sys, time, os, glob
HZ = os.sysconf('SC_CLK_TCK')
def stat():
    f = open('/proc/stat').readline().split()[1:]
    v = list(map(int, f)); idle = v[3] + v[4]; return sum(v[:8]) - idle, sum(v[:8])
def nginx():
    t = 0
    for p in glob.glob('/proc/[0-9]*/cmdline'):
        try:
            if open(p,'rb').read().startswith(b'nginx: worker'):
                f = open(p.replace('cmdline','stat')).read().rsplit(')',1)[1].split(); t += int(f[11]) + int(f[12])
        except OSError: pass
    return t / HZ
if sys.argv[1] == 'snap':
    print(stat()[0] / HZ, nginx())
else:
    t0 = time.time()
    while time.time() - t0 < 180:
        b0, a0 = stat(); time.sleep(1); b1, a1 = stat()
        if (b1 - b0) / max(a1 - a0, 1) < 0.08: break
    else:
        print('quiet wait timed out', file=sys.stderr)
