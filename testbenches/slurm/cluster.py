#!/usr/bin/python3
"""A throw-away single-node Slurm cluster on this machine, for the tests and for trying
scripts/sweep --slurm on a laptop (docs/sweeps.md, "Trying it on one machine").

    python3 testbenches/slurm/cluster.py -- COMMAND ARGS...

starts munged, slurmctld and slurmd (Debian's munge and slurm-wlm, as root), runs COMMAND with
SLURM_CONF pointing at the cluster so sbatch, squeue and scancel reach it, then stops the daemons
and exits with COMMAND's status. Everything the daemons write (munge key and socket, slurm.conf,
state and spool directories, pid files, logs) lives in one temporary directory; no system file is
read or changed besides the installed programs, and the ports are free ones picked at start.
The daemons run in the foreground as this process's children, get SIGTERM if it dies
(PR_SET_PDEATHSIG, even under SIGKILL), and are stopped by pid when the cluster closes.
"""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


class ClusterError(Exception):
    pass


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def slurm_conf(root, ctld_port, slurmd_port, cpus):
    # select/cons_tres with CR_CPU runs one array task per CPU at once (select/linear, the
    # 22.05 default, would give each task the whole node). proctrack/pgid and task/none need no
    # cgroups, which containers often lack. No accounting daemon: squeue reports job states.
    return f"""ClusterName=kelle-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={root}/munge-socket/munge.socket
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
NodeName=kelle-node NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=kelle Nodes=kelle-node Default=YES MaxTime=INFINITE State=UP
"""


class SingleNodeCluster:
    """with SingleNodeCluster() as cluster: subprocess.run([...], env=cluster.env)"""

    def __init__(self, cpus=None):
        self.cpus = cpus or os.cpu_count() or 1
        self.daemons = {}

    def __enter__(self):
        for program in ("munged", "slurmctld", "slurmd", "sbatch", "sinfo"):
            if not shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
                raise ClusterError(f"{program} not found: install munge and slurm-wlm (bash scripts/install-deps.sh)")
        if os.geteuid() != 0:
            raise ClusterError("the daemons run as root here (SlurmUser=root): run as root")
        self.root = Path(tempfile.mkdtemp(prefix="kelle-slurm-"))
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def env(self):
        return {**os.environ, "SLURM_CONF": str(self.root / "slurm.conf")}

    def _start(self):
        root = self.root
        # munged checks that every directory above its socket is searchable by all.
        root.chmod(0o755)
        for sub in ("munge", "munge-socket", "state", "spool", "log"):
            (root / sub).mkdir()
        (root / "munge").chmod(0o700)
        key = root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        ctld_port, slurmd_port = _free_ports(2)
        (root / "slurm.conf").write_text(slurm_conf(root, ctld_port, slurmd_port, self.cpus))
        conf = str(root / "slurm.conf")
        self._spawn("munged", ["munged", "--foreground", f"--socket={root}/munge-socket/munge.socket",
                               f"--key-file={key}", f"--pid-file={root}/munge/munged.pid",
                               f"--seed-file={root}/munge/munged.seed", f"--log-file={root}/log/munged.log"])
        self._wait_for(lambda: (root / "munge-socket" / "munge.socket").exists(), "munged's socket")
        self._spawn("slurmctld", ["slurmctld", "-D", "-f", conf])
        self._spawn("slurmd", ["slurmd", "-D", "-f", conf, "-N", "kelle-node"])
        self._wait_for(self._node_idle, "the node to register idle")

    def _spawn(self, name, argv):
        log = open(self.root / "log" / f"{name}.out", "wb")
        path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
        self.daemons[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                              env={**os.environ, "PATH": path}, preexec_fn=_die_with_parent)
        log.close()

    def _node_idle(self):
        done = subprocess.run(["sinfo", "--noheader", "--format=%T"], env=self.env, capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.strip() == "idle"

    def _wait_for(self, ready, what):
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready():
            for name, process in self.daemons.items():
                if process.poll() is not None:
                    raise ClusterError(f"{name} exited with status {process.returncode} while waiting for {what}; "
                                       f"log: {self._log_tail(name)}")
            if time.monotonic() > deadline:
                raise ClusterError(f"no {what} after {START_TIMEOUT_S} s")
            time.sleep(0.2)

    def _log_tail(self, name):
        lines = []
        for log in (self.root / "log").glob(f"{name}*"):
            lines += log.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(empty)"

    def close(self):
        """Cancels what is still queued, then stops slurmd, slurmctld, munged by pid (TERM, then KILL)."""
        if "slurmctld" in self.daemons and self.daemons["slurmctld"].poll() is None:
            subprocess.run(["scancel", "--full", "--quiet", "--partition=kelle"], env=self.env,
                           capture_output=True, timeout=STOP_TIMEOUT_S)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.daemons.get(name)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def running(self):
        """The daemons still running (empty once the cluster is closed)."""
        return [name for name, process in self.daemons.items() if process.poll() is None]


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        sys.exit(__doc__.strip().splitlines()[0] + "\nusage: cluster.py -- COMMAND ARGS...")
    # SIGTERM (a test's timeout, kill) runs the same shutdown as a normal end.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with SingleNodeCluster() as cluster:
            print(f"cluster.py: single-node Slurm up; SLURM_CONF={cluster.root}/slurm.conf", file=sys.stderr)
            status = subprocess.run(sys.argv[2:], env=cluster.env).returncode
    except ClusterError as error:
        sys.exit(f"cluster.py: {error}")
    sys.exit(status)


if __name__ == "__main__":
    main()
