#!/usr/bin/env bash
# Local development/test Slurm clusters for the Python slurmrestd.
#
# Builds two Debian chroots with debootstrap (forky -> Slurm 26.05, trixie -> Slurm 24.11)
# and runs one single-node Slurm cluster in each (munged, slurmdbd, slurmctld, slurmd and the
# reference C slurmrestd), all on 127.0.0.1, accounting in the host's MariaDB.
# See cluster/README.md.  Run as root.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(realpath -m "${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}")
ALL_SUITES=(forky trixie)
# Bump when the chroot contents produced by build_chroot change (invalidates the cache).
BUILD_VERSION=1
CHROOT_PKGS=(slurmctld slurmd slurmdbd slurmrestd slurm-client munge slurm-wlm-jwt-plugin
             slurm-wlm-mysql-plugin procps)
HOST_PKGS=(debootstrap mariadb-server mariadb-client libmunge2 openssl curl iproute2 util-linux libpam-pwdfile)

# Fixed ids: identical on the host and in every chroot.
SLURM_UID=64030        # Debian's slurm-wlm packages also use 64030
SLURMRESTD_UID=64031
ALICE_UID=2001
BOB_UID=2002
# Users for benchmarks that need many different callers (bench/run.sh: GET jobs by 8 users, RPC counts of its own):
# bench1..bench8, uids BENCH_UID_BASE+1.., on the host and in every chroot, with an association
# in testacct.  Not part of the chroot stamp: added to a built chroot by `up` and `users`.
BENCH_USERS=(bench1 bench2 bench3 bench4 bench5 bench6 bench7 bench8)
BENCH_UID_BASE=2100

DB_HOST=127.0.0.1
DB_PORT=3306
MYSQL_CONF=/etc/mysql/mariadb.conf.d/90-slurmrestd-cluster.cnf
MYSQL_TLS_DIR=/etc/mysql/slurmrestd-cluster-tls
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

# ------------------------------------------------------------------------------------------
# step / error reporting
# ------------------------------------------------------------------------------------------
CUR_STEP="(start)"
CUR_LOGS=()
step() {   # step "description" [log files to show on failure...]
    CUR_STEP=$1; shift
    CUR_LOGS=("$@")
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$CUR_STEP" >&2
}
show_logs() {
    local f
    for f in "${CUR_LOGS[@]}"; do
        if [[ -s $f ]]; then
            printf -- '---- last lines of %s ----\n' "$f" >&2
            tail -n 25 "$f" >&2 || true
        fi
    done
}
die() {
    printf 'ERROR in step "%s": %s\n' "$CUR_STEP" "$*" >&2
    show_logs
    exit 1
}
on_err() {
    local rc=$? line=$1 cmd=$2
    trap - ERR
    printf 'ERROR in step "%s": command failed (exit %s) at line %s: %s\n' \
        "$CUR_STEP" "$rc" "$line" "$cmd" >&2
    show_logs
    exit "$rc"
}
trap 'on_err $LINENO "$BASH_COMMAND"' ERR
info() { printf '    %s\n' "$*" >&2; }

# ------------------------------------------------------------------------------------------
# per-suite settings
# ------------------------------------------------------------------------------------------
suite_vars() {
    SUITE=$1
    case $SUITE in
        forky)  PORT_BASE=17800; DEBOOTSTRAP_SCRIPT=sid;    API_VERSION=v0.0.45 ;;
        trixie) PORT_BASE=27800; DEBOOTSTRAP_SCRIPT=trixie; API_VERSION=v0.0.42 ;;
        *) die "unknown suite '$SUITE' (expected: ${ALL_SUITES[*]})" ;;
    esac
    CTLD_PORT=$((PORT_BASE + 17)); SLURMD_PORT=$((PORT_BASE + 18))
    DBD_PORT=$((PORT_BASE + 19));  REF_PORT=$((PORT_BASE + 20))
    CH=$ROOT/chroots/$SUITE
    STAMP=$ROOT/chroots/$SUITE.stamp
    SDIR=$ROOT/$SUITE                   # host-side per-suite dir (env, slurm.conf, pids)
    PIDDIR=$SDIR/pids
    LOGDIR=$CH/var/log/slurm            # daemon logs (host path)
    BUILD_LOG=$ROOT/logs/build-$SUITE.log
    DB_NAME=slurm_acct_$SUITE
    MUNGE_SOCKET_IN=/run/munge/munge.socket.2
    MUNGE_SOCKET=$CH$MUNGE_SOCKET_IN    # host path (never via $CH/var/run: absolute symlink)
}

suites_from_arg() {
    local a=${1:-all}
    if [[ $a == all ]]; then SUITES=("${ALL_SUITES[@]}"); else suite_vars "$a"; SUITES=("$a"); fi
}

# ------------------------------------------------------------------------------------------
# host preparation
# ------------------------------------------------------------------------------------------
need_root() { [[ $(id -u) == 0 ]] || die "must run as root"; }

APT_UPDATED=0
host_apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    step "host: apt-get install ${missing[*]}" "$ROOT/logs/host-apt.log"
    if ((APT_UPDATED == 0)); then
        apt-get update >>"$ROOT/logs/host-apt.log" 2>&1 || die "apt-get update failed on the host"
        APT_UPDATED=1
    fi
    # Never let package maintainer scripts start services on the host during install
    # (we start mariadbd ourselves); keep an existing policy-rc.d untouched.
    local own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
    fi
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$ROOT/logs/host-apt.log" 2>&1 \
        || { ((own_policy)) && rm -f /usr/sbin/policy-rc.d; die "apt-get install ${missing[*]} failed"; }
    ((own_policy)) && rm -f /usr/sbin/policy-rc.d
    return 0
}

# ensure_account <root-prefix ('' = host)> name uid home shell [createhome]
ensure_account() {
    local pre=$1 name=$2 uid=$3 home=$4 shell=$5 mkhome=${6:-0}
    local run=() where=host
    if [[ -n $pre ]]; then run=(chroot "$pre"); where="chroot $pre"; fi
    local gline uline
    gline=$(grep -E "^$name:" "$pre/etc/group" || true)
    if [[ -z $gline ]]; then
        if grep -qE "^[^:]*:[^:]*:$uid:" "$pre/etc/group"; then
            die "gid $uid is already used in $where by group $(grep -E "^[^:]*:[^:]*:$uid:" "$pre/etc/group" | cut -d: -f1)"
        fi
        "${run[@]}" groupadd -g "$uid" "$name"
    elif [[ $(cut -d: -f3 <<<"$gline") != "$uid" ]]; then
        die "group $name exists in $where with gid $(cut -d: -f3 <<<"$gline"), expected $uid"
    fi
    uline=$(grep -E "^$name:" "$pre/etc/passwd" || true)
    if [[ -z $uline ]]; then
        if grep -qE "^[^:]*:[^:]*:$uid:" "$pre/etc/passwd"; then
            die "uid $uid is already used in $where by user $(grep -E "^[^:]*:[^:]*:$uid:" "$pre/etc/passwd" | cut -d: -f1)"
        fi
        local opt=(-M); ((mkhome)) && opt=(-m)
        "${run[@]}" useradd -K UID_MAX=65000 -u "$uid" -g "$uid" -d "$home" -s "$shell" "${opt[@]}" "$name"
    elif [[ $(cut -d: -f3 <<<"$uline") != "$uid" ]]; then
        die "user $name exists in $where with uid $(cut -d: -f3 <<<"$uline"), expected $uid"
    fi
    if ((mkhome)) && [[ ! -d $pre$home ]]; then
        mkdir -p "$pre$home"; chown "$uid:$uid" "$pre$home"; chmod 755 "$pre$home"
    fi
}

ensure_accounts() {   # $1 = root prefix ('' for host)
    local pre=$1 nologin=/usr/sbin/nologin
    ensure_account "$pre" slurm "$SLURM_UID" /var/lib/slurm "$nologin"
    ensure_account "$pre" slurmrestd "$SLURMRESTD_UID" /nonexistent "$nologin"
    ensure_account "$pre" alice "$ALICE_UID" /home/alice /bin/bash 1
    ensure_account "$pre" bob "$BOB_UID" /home/bob /bin/bash 1
    ensure_bench_users "$pre"
}

ensure_bench_users() {   # $1 = root prefix ('' for host)
    local i
    for i in "${!BENCH_USERS[@]}"; do
        ensure_account "$1" "${BENCH_USERS[$i]}" $((BENCH_UID_BASE + i + 1)) /nonexistent /usr/sbin/nologin
    done
}

prepare_host() {
    need_root
    mkdir -p "$ROOT/logs" "$ROOT/chroots" "$ROOT/secrets"
    chmod 700 "$ROOT/secrets"
    host_apt_install "${HOST_PKGS[@]}"
    step "host: users slurm($SLURM_UID) slurmrestd($SLURMRESTD_UID) alice($ALICE_UID) bob($BOB_UID)"
    ensure_accounts ""
    setup_pam
}

# ------------------------------------------------------------------------------------------
# PAM test stack (HTTP Basic logins of the Python daemon): a dedicated service whose only
# user is alice, with a generated password kept in $ROOT/secrets.  No system password is
# set or changed: the password lives in a pam_pwdfile file of its own.
# ------------------------------------------------------------------------------------------
PAM_SERVICE=slurmrestd-test
PAM_USER=alice
setup_pam() {
    step "host: PAM service $PAM_SERVICE (pam_pwdfile, user $PAM_USER)"
    host_apt_install libpam-pwdfile
    mkdir -p "$ROOT/secrets"; chmod 700 "$ROOT/secrets"
    local pwf=$ROOT/secrets/pam_password pdb=$ROOT/pam-passwd
    [[ -s $pwf ]] || (umask 077; openssl rand -hex 12 >"$pwf")
    local pw; pw=$(cat "$pwf")
    # Keep the hash while it still matches the password (idempotent: no rewrite).
    local line hash
    line=$(grep -E "^$PAM_USER:" "$pdb" 2>/dev/null || true)
    hash=${line#*:}
    if [[ -z $line ]] || [[ $(openssl passwd -6 -salt "$(cut -d'$' -f3 <<<"$hash")" "$pw") != "$hash" ]]; then
        printf '%s:%s\n' "$PAM_USER" "$(openssl passwd -6 "$pw")" >"$pdb"
    fi
    chown "root:$SLURMRESTD_UID" "$pdb"; chmod 640 "$pdb"
    write_file_if_changed "/etc/pam.d/$PAM_SERVICE" 644 root:root <<PAMEOF
# written by slurmrestd cluster/cluster.sh: HTTP Basic logins of the test daemon.
# Users and password hashes: $pdb (password of $PAM_USER: $pwf)
auth     required pam_pwdfile.so pwdfile=$pdb nodelay
account  required pam_permit.so
PAMEOF
    # The same, but the account step lets a login through only from 127.0.0.1 (pam_access on
    # PAM_RHOST, which the daemon sets to the client's address): from any other address, or
    # with no PAM_RHOST at all, even the right password is refused.
    write_file_if_changed "$ROOT/pam-access-rhost.conf" 644 root:root <<PAMEOF
# written by slurmrestd cluster/cluster.sh: who may log in through $PAM_SERVICE-rhost
+:ALL:127.0.0.1
-:ALL:ALL
PAMEOF
    write_file_if_changed "/etc/pam.d/$PAM_SERVICE-rhost" 644 root:root <<PAMEOF
# written by slurmrestd cluster/cluster.sh: logins of $PAM_USER allowed from 127.0.0.1 only.
auth     required pam_pwdfile.so pwdfile=$pdb nodelay
account  required pam_access.so accessfile=$ROOT/pam-access-rhost.conf nodefgroup
PAMEOF
    # The same, behind a PAM module that takes 5 s (a slow directory): deadline tests.
    write_file_if_changed "/etc/pam.d/$PAM_SERVICE-slow" 644 root:root <<PAMEOF
# written by slurmrestd cluster/cluster.sh: a PAM stack that answers after 5 s.
auth     required pam_exec.so quiet /bin/sleep 5
auth     required pam_pwdfile.so pwdfile=$pdb nodelay
account  required pam_permit.so
PAMEOF
}

# ------------------------------------------------------------------------------------------
# MariaDB on the host
# ------------------------------------------------------------------------------------------
mysql_root() { mariadb --protocol=socket -uroot -N -B "$@"; }
mysql_alive() { mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; }
have_systemd() { [[ -d /run/systemd/system ]] && [[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]; }

mysql_tls_files() {
    step "mariadb: TLS certificate ($MYSQL_TLS_DIR)" "$ROOT/logs/openssl.log"
    if [[ -s $MYSQL_TLS_DIR/server-cert.pem && -s $MYSQL_TLS_DIR/ca.pem ]]; then return 0; fi
    mkdir -p "$MYSQL_TLS_DIR"
    (
        cd "$MYSQL_TLS_DIR"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=slurmrestd-cluster test CA" \
            -keyout ca-key.pem -out ca.pem
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout server-key.pem -out server.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile server.ext -out server-cert.pem
    ) >"$ROOT/logs/openssl.log" 2>&1
    chown -R mysql:mysql "$MYSQL_TLS_DIR"
    chmod 600 "$MYSQL_TLS_DIR"/*key.pem
    chmod 644 "$MYSQL_TLS_DIR"/ca.pem "$MYSQL_TLS_DIR"/server-cert.pem
}

start_mariadb() {
    local errlog=/var/log/mysql/error.log
    mysql_tls_files
    step "mariadb: config $MYSQL_CONF"
    local conf
    conf=$(cat <<EOF
# written by slurmrestd cluster/cluster.sh
[mariadb]
bind-address = $DB_HOST
port = $DB_PORT
ssl_ca = $MYSQL_TLS_DIR/ca.pem
ssl_cert = $MYSQL_TLS_DIR/server-cert.pem
ssl_key = $MYSQL_TLS_DIR/server-key.pem
innodb_buffer_pool_size = 256M
innodb_lock_wait_timeout = 900
max_allowed_packet = 64M
EOF
)
    local changed=0
    if [[ ! -f $MYSQL_CONF ]] || [[ $(cat "$MYSQL_CONF") != "$conf" ]]; then
        printf '%s\n' "$conf" >"$MYSQL_CONF"; changed=1
    fi
    step "mariadb: start (host, $DB_HOST:$DB_PORT)" "$errlog"
    if mysql_alive; then
        local ssl
        ssl=$(mysql_root -e "SHOW GLOBAL VARIABLES LIKE 'have_ssl'" | awk '{print $2}')
        if [[ $ssl == YES && $changed == 0 ]]; then info "mariadb already running with TLS"; return 0; fi
        info "restarting mariadb to apply TLS config (have_ssl=$ssl)"
        if have_systemd; then systemctl restart mariadb; else
            mariadb-admin --protocol=socket -uroot shutdown
            local i; for i in $(seq 60); do mysql_alive || break; sleep 0.5; done
        fi
    fi
    if ! mysql_alive; then
        if have_systemd; then
            systemctl start mariadb
        else
            mkdir -p /run/mysqld /var/log/mysql
            chown mysql:mysql /run/mysqld /var/log/mysql
            [[ -d /var/lib/mysql/mysql ]] || mariadb-install-db --user=mysql >>"$ROOT/logs/mariadb-install.log" 2>&1
            setsid nohup /usr/sbin/mariadbd --user=mysql --log-error="$errlog" \
                </dev/null >>"$ROOT/logs/mariadbd.out" 2>&1 &
        fi
        local i
        for i in $(seq 120); do mysql_alive && break; sleep 0.5; done
        mysql_alive || die "mariadbd did not come up within 60s"
    fi
    [[ $(mysql_root -e "SHOW GLOBAL VARIABLES LIKE 'have_ssl'" | awk '{print $2}') == YES ]] \
        || die "mariadb runs but TLS is not enabled (have_ssl != YES)"
}

db_password() {
    local f=$ROOT/secrets/db_password
    if [[ ! -s $f ]]; then
        (umask 077; openssl rand -hex 16 >"$f")
    fi
    cat "$f"
}

setup_database() {
    step "mariadb: database $DB_NAME and user slurm"
    local pw; pw=$(db_password)
    mysql_root <<EOF
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL ON \`$DB_NAME\`.* TO 'slurm'@'localhost';
GRANT ALL ON \`$DB_NAME\`.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF
}

# ------------------------------------------------------------------------------------------
# chroot build (cached: directory + stamp file)
# ------------------------------------------------------------------------------------------
host_mirror() {
    if [[ -n ${SLURMRESTD_CLUSTER_MIRROR:-} ]]; then echo "$SLURMRESTD_CLUSTER_MIRROR"; return; fi
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
    echo "${m:-http://deb.debian.org/debian}"
}

stamp_content() {
    echo "build=$BUILD_VERSION suite=$SUITE mirror=$(host_mirror) uids=$SLURM_UID,$SLURMRESTD_UID,$ALICE_UID,$BOB_UID pkgs=${CHROOT_PKGS[*]}"
}

chroot_built() { [[ -f $STAMP && $(cat "$STAMP") == "$(stamp_content)" && -e $CH/usr/sbin/slurmctld-wlm ]]; }

mounts_under() {   # mount points under $1, deepest first
    findmnt -rn -o TARGET | awk -v p="$1/" 'index($0, p) == 1' | sort -r
}

mount_chroot() {
    local c=${1:-$CH}
    mountpoint -q "$c/proc" || mount -t proc proc "$c/proc"
    mountpoint -q "$c/sys"  || mount --bind /sys "$c/sys"
    mountpoint -q "$c/dev"  || mount --bind /dev "$c/dev"
    mkdir -p "$c/dev/shm" 2>/dev/null || true
    mountpoint -q "$c/dev/shm" || mount -t tmpfs -o mode=1777,nosuid,nodev shm "$c/dev/shm"
}

umount_chroot() {
    local c=${1:-$CH} m
    for m in $(mounts_under "$c"); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}

safe_rm_chroot() {
    local c=$1
    [[ -n $c && $c == "$ROOT"/chroots/* ]] || die "refusing to remove '$c'"
    umount_chroot "$c"
    [[ -z $(mounts_under "$c") ]] || die "mounts remain under $c; not removing"
    rm -rf --one-file-system "$c"
}

build_chroot() {
    if chroot_built; then info "$SUITE chroot cached ($CH)"; return 0; fi
    local t0=$SECONDS tmp=$ROOT/chroots/.$SUITE.build mirror script
    mirror=$(host_mirror)
    script=/usr/share/debootstrap/scripts/$DEBOOTSTRAP_SCRIPT
    [[ -e $script ]] || script=/usr/share/debootstrap/scripts/sid
    : >"$BUILD_LOG"
    step "$SUITE: debootstrap --variant=minbase $SUITE ($mirror, script $(basename "$script"))" "$BUILD_LOG"
    [[ -d $CH ]] && { stop_suite_processes; safe_rm_chroot "$CH"; }
    rm -f "$STAMP"
    [[ -d $tmp ]] && safe_rm_chroot "$tmp"
    debootstrap --variant=minbase "$SUITE" "$tmp" "$mirror" "$script" >>"$BUILD_LOG" 2>&1 \
        || die "debootstrap failed"

    step "$SUITE: chroot apt config, users" "$BUILD_LOG"
    # The mirror may be a frozen snapshot whose Release files are past Valid-Until.
    echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99slurmrestd-cluster"
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"; chmod 755 "$tmp/usr/sbin/policy-rc.d"
    printf '127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$(uname -n)" >"$tmp/etc/hosts"
    ensure_accounts "$tmp"   # before the packages, so that they keep our uids

    step "$SUITE: apt-get install ${CHROOT_PKGS[*]}" "$BUILD_LOG"
    mount_chroot "$tmp"
    if ! chroot "$tmp" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
        sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
        sh "${CHROOT_PKGS[@]}" >>"$BUILD_LOG" 2>&1; then
        umount_chroot "$tmp"; die "package installation in the $SUITE chroot failed"
    fi
    umount_chroot "$tmp"
    [[ $(grep -E '^slurm:' "$tmp/etc/passwd" | cut -d: -f3) == "$SLURM_UID" ]] \
        || die "slurm uid in chroot is not $SLURM_UID after package install"
    mv "$tmp" "$CH"
    stamp_content >"$STAMP"
    info "$SUITE chroot built in $((SECONDS - t0))s"
}

# ------------------------------------------------------------------------------------------
# configuration
# ------------------------------------------------------------------------------------------
slurm_version() { chroot "$CH" /usr/sbin/slurmctld -V | awk '{print $NF}'; }

# gen_slurm_conf <path prefix> [AuthInfo line]
gen_slurm_conf() {
    local p=$1 authinfo=${2:-}
    cat <<EOF
# written by slurmrestd cluster/cluster.sh -- suite $SUITE${p:+ (host-side client copy)}
ClusterName=$SUITE
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwks=$p/etc/slurm/jwks.json,jwt_key=$p/etc/slurm/jwt_hs256.key
${authinfo}
CredType=cred/munge
StateSaveLocation=$p/var/lib/slurm/slurmctld
SlurmdSpoolDir=$p/var/lib/slurm/slurmd
SlurmctldPidFile=$p/run/slurm/slurmctld.pid
SlurmdPidFile=$p/run/slurm/slurmd.pid
SlurmctldLogFile=$p/var/log/slurm/slurmctld.log
SlurmdLogFile=$p/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# room for dynamic nodes (POST new/node, scontrol create NodeName=...): they join no partition
MaxNodeCount=8
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
AccountingStorageEnforce=associations
JobCompType=jobcomp/none
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$NODE_CPUS RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=n1 Default=YES MaxTime=INFINITE State=UP
EOF
}

# RS256 tokens (AuthAltParameters jwks=): an RSA key pair generated once per chroot, the
# private half for signing test tokens, the public half as a one-key JWKS; both slurm:slurm 0600
# like the HS256 key, so that a daemon not run as root or SlurmUser cannot read any key and passes
# tokens through (slurmctld/slurmdbd only refuse a world-writable JWKS; tests make readable
# copies where they need one).  auth/jwt of
# 24.11 only uses keys with "alg": "RS256"; 26.05 also needs "kty": "RSA"; both need "kid".
JWT_KID_PREFIX=slurmrestd-cluster
jwt_rs256_files() {
    local priv=$CH/etc/slurm/jwt_rs256.pem jwks=$CH/etc/slurm/jwks.json
    [[ -s $priv ]] || (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$priv" 2>/dev/null)
    chown "$SLURM_UID:$SLURM_UID" "$priv"; chmod 600 "$priv"
    local n e kid
    # base64url (no padding) of the modulus and exponent as big-endian bytes, as RFC 7518 wants
    n=$(openssl rsa -in "$priv" -noout -modulus | sed 's/^Modulus=//' | basenc --base16 -d | basenc --base64url -w0 | tr -d '=')
    e=$(openssl rsa -in "$priv" -noout -text | sed -n 's/^publicExponent: \([0-9]*\) .*/\1/p')
    [[ $e == 65537 ]] || die "unexpected RSA public exponent '$e' in $priv"
    e=AQAB
    [[ -n $n ]] || die "could not read the RSA modulus of $priv"
    # the kid changes with the key, so a token signed by an older key is refused by name
    kid=$JWT_KID_PREFIX-$SUITE-$(printf '%s' "$n" | sha256sum | cut -c1-12)
    write_file_if_changed "$jwks" 600 "$SLURM_UID:$SLURM_UID" <<EOF
{"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "$kid", "n": "$n", "e": "$e"}]}
EOF
    JWT_KID=$kid
}

write_file_if_changed() {   # path mode owner  (content on stdin)
    local path=$1 mode=$2 owner=$3 new
    new=$(cat)
    if [[ ! -f $path ]] || [[ $(cat "$path") != "$new" ]]; then
        printf '%s\n' "$new" >"$path"
    fi
    chmod "$mode" "$path"; chown "$owner" "$path"
}

configure_suite() {
    step "$SUITE: configuration files"
    NODE_CPUS=$(nproc)
    mkdir -p "$SDIR" "$PIDDIR" "$CH/etc/slurm" "$CH/run/slurm" "$CH/var/log/slurm" \
        "$CH/var/lib/slurm/slurmctld" "$CH/var/lib/slurm/slurmd" "$CH/run/munge" "$CH/var/log/munge"
    chown "$SLURM_UID:$SLURM_UID" "$CH/run/slurm" "$CH/var/log/slurm" "$CH/var/lib/slurm" \
        "$CH/var/lib/slurm/slurmctld"
    chroot "$CH" chown munge:munge /run/munge /var/log/munge
    chmod 755 "$CH/run/munge"
    # JWT HS256 key (generated once per chroot)
    local key=$CH/etc/slurm/jwt_hs256.key
    [[ -s $key ]] || (umask 077; openssl rand 64 >"$key")
    chown "$SLURM_UID:$SLURM_UID" "$key"; chmod 600 "$key"
    jwt_rs256_files
    # munge key (the package normally creates one; make sure)
    if [[ ! -s $CH/etc/munge/munge.key ]]; then
        (umask 077; openssl rand 128 >"$CH/etc/munge/munge.key")
        chroot "$CH" chown munge:munge /etc/munge/munge.key
    fi
    install -m 644 "$MYSQL_TLS_DIR/ca.pem" "$CH/etc/slurm/mariadb-ca.pem"
    gen_slurm_conf "" | write_file_if_changed "$CH/etc/slurm/slurm.conf" 644 root:root
    # no cgroup hierarchy is visible in the chroot (and none is needed: proctrack/linuxproc)
    write_file_if_changed "$CH/etc/slurm/cgroup.conf" 644 root:root <<<"CgroupPlugin=disabled"
    write_file_if_changed "$CH/etc/slurm/slurmdbd.conf" 600 "$SLURM_UID:$SLURM_UID" <<EOF
# written by slurmrestd cluster/cluster.sh -- suite $SUITE
AuthType=auth/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwks=/etc/slurm/jwks.json,jwt_key=/etc/slurm/jwt_hs256.key
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=slurm
DebugLevel=info
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=$DB_HOST
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$(db_password)
StorageLoc=$DB_NAME
StorageParameters=SSL_CA=/etc/slurm/mariadb-ca.pem
EOF
    # host-side client copy: all paths translated to host paths
    gen_slurm_conf "$CH" "AuthInfo=socket=$MUNGE_SOCKET" | write_file_if_changed "$SDIR/slurm.conf" 644 root:root
    ln -sfn "$CH/var/log/slurm" "$SDIR/logs"
    local ver; ver=$(slurm_version)
    write_file_if_changed "$SDIR/env" 644 root:root <<EOF
# written by slurmrestd cluster/cluster.sh; source it from a shell
SUITE=$SUITE
CLUSTER_NAME=$SUITE
SLURM_VERSION=$ver
API_VERSION=$API_VERSION
CTLD_PORT=$CTLD_PORT
SLURMD_PORT=$SLURMD_PORT
DBD_PORT=$DBD_PORT
REF_PORT=$REF_PORT
REF_URL=http://127.0.0.1:$REF_PORT
SLURM_CONF=$SDIR/slurm.conf
MUNGE_SOCKET=$MUNGE_SOCKET
JWT_KEY=$key
JWT_RS256_KEY=$CH/etc/slurm/jwt_rs256.pem
JWKS=$CH/etc/slurm/jwks.json
JWT_KID=$JWT_KID
CHROOT=$CH
LOG_DIR=$CH/var/log/slurm
EOF
}

# ------------------------------------------------------------------------------------------
# processes
# ------------------------------------------------------------------------------------------
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root)
in_chroot() { chroot "$CH" "${CLEAN_ENV[@]}" "$@"; }

chroot_pids() {   # every process whose root directory is this chroot
    # (find fails on processes that vanish while it runs: ignore its status)
    local out
    out=$(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$CH" -printf '%h\n' 2>/dev/null || true)
    sed -n 's|^/proc/\([0-9][0-9]*\)$|\1|p' <<<"$out"
    return 0
}

is_daemon_pid() {   # is_daemon_pid <pid> <name>: process <name> running inside this chroot
    pid_running "$1" || return 1
    [[ $(readlink "/proc/$1/root" 2>/dev/null) == "$CH" ]] || return 1
    [[ $(cat "/proc/$1/comm" 2>/dev/null) == "${2:0:15}" ]]
}

live_chroot_pids() {   # chroot_pids without zombies
    local p
    for p in $(chroot_pids); do pid_running "$p" && echo "$p"; done
    return 0
}

daemon_pid() {   # prints the pid of daemon $1 if it runs inside this chroot
    local name=$1 f=$PIDDIR/$1.pid pid=""
    [[ -s $f ]] && pid=$(cat "$f")
    if is_daemon_pid "$pid" "$name"; then echo "$pid"; return 0; fi
    # fallback: pid file lost or stale -> look for the daemon by name among this chroot's processes
    for pid in $(chroot_pids); do
        if is_daemon_pid "$pid" "$name"; then
            mkdir -p "$PIDDIR"; echo "$pid" >"$f"; echo "$pid"; return 0
        fi
    done
    return 1
}

# start_daemon <name> <logfile (host path)> [chroot opts --] command...
start_daemon() {
    local name=$1 out=$2; shift 2
    local copts=()
    while [[ $1 != -- ]]; do copts+=("$1"); shift; done; shift
    if daemon_pid "$name" >/dev/null; then info "$name already running (pid $(daemon_pid "$name"))"; return 0; fi
    mkdir -p "$PIDDIR"
    # A background command of a script starts with SIGINT and SIGQUIT ignored, and nohup
    # ignores SIGHUP; slurmd passes what it inherited on to every job (a batch script would
    # then ignore `scancel --signal=INT`).  Start each daemon with them at their defaults,
    # as systemd does (setsid already keeps it from the terminal).
    setsid nohup env --default-signal=HUP,INT,QUIT chroot "${copts[@]}" "$CH" "${CLEAN_ENV[@]}" "$@" \
        </dev/null >>"$out" 2>&1 &
    echo $! >"$PIDDIR/$name.pid"
}

pid_running() { [[ -n $1 && -d /proc/$1 ]] && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

daemon_starting_or_running() {   # the pid we launched still exists (may still be exec'ing)
    local f=$PIDDIR/$1.pid
    { [[ -s $f ]] && pid_running "$(cat "$f")"; } || daemon_pid "$1" >/dev/null
}

wait_for() {   # wait_for <seconds> <description> <daemon name or ''> command...
    local secs=$1 what=$2 daemon=$3; shift 3
    local end=$((SECONDS + secs))
    while ((SECONDS < end)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        if [[ -n $daemon ]] && ! daemon_starting_or_running "$daemon"; then return 2; fi
        sleep 0.5
    done
    return 1
}

port_listening() { ss -Hltn "sport = :$1" | grep -q LISTEN; }

start_munge() {
    step "$SUITE: munged (socket $MUNGE_SOCKET)" "$CH/var/log/munge/munged.log" "$PIDDIR/munged.out"
    if daemon_pid munged >/dev/null; then info "munged already running"; return 0; fi
    rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock" "$CH/run/munge/munged.pid"
    start_daemon munged "$PIDDIR/munged.out" --userspec=munge:munge -- /usr/sbin/munged -F
    local rc=0
    wait_for 20 "munge socket" munged test -S "$MUNGE_SOCKET" || rc=$?
    ((rc == 0)) || die "munged did not create $MUNGE_SOCKET (rc=$rc)"
    in_chroot sh -c 'munge -n | unmunge' >/dev/null || die "munge/unmunge round trip inside the chroot failed"
}

start_slurmdbd() {
    local log=$LOGDIR/slurmdbd.log
    step "$SUITE: slurmdbd (127.0.0.1:$DBD_PORT)" "$log" "$PIDDIR/slurmdbd.out"
    if daemon_pid slurmdbd >/dev/null && port_listening "$DBD_PORT"; then info "slurmdbd already running"; return 0; fi
    local attempt rc
    for attempt in 1 2 3 4; do
        start_daemon slurmdbd "$PIDDIR/slurmdbd.out" -- /usr/sbin/slurmdbd -D
        rc=0; wait_for 60 "slurmdbd port" slurmdbd port_listening "$DBD_PORT" || rc=$?
        ((rc == 0)) && return 0
        # slurmdbd 26.05 exits on its first start against a fresh database
        # (_check_mysql_concat_is_sane, error 5027); the next start succeeds.
        info "slurmdbd attempt $attempt did not come up (rc=$rc); last log lines:"
        tail -n 5 "$log" 2>/dev/null | sed 's/^/      /' >&2 || true
        stop_daemon slurmdbd
        sleep 1
    done
    die "slurmdbd did not start after 4 attempts"
}

setup_accounting() {
    step "$SUITE: accounting (cluster $SUITE, account testacct, users root alice bob slurm ${BENCH_USERS[*]})" "$LOGDIR/slurmdbd.log"
    local out
    out=$(in_chroot sacctmgr -n -P show cluster format=cluster 2>&1) || die "sacctmgr show cluster failed: $out"
    if ! grep -qx "$SUITE" <<<"$out"; then
        in_chroot sacctmgr -i add cluster "$SUITE" >/dev/null
    fi
    out=$(in_chroot sacctmgr -n -P show account testacct format=account 2>&1)
    if ! grep -qx testacct <<<"$out"; then
        in_chroot sacctmgr -i add account testacct cluster="$SUITE" description="test account" organization=test >/dev/null
    fi
    local have u missing=()
    have=$(in_chroot sacctmgr -n -P show assoc where cluster="$SUITE" account=testacct format=user 2>&1)
    for u in root alice bob slurm "${BENCH_USERS[@]}"; do grep -qx "$u" <<<"$have" || missing+=("$u"); done
    if ((${#missing[@]})); then
        local IFS=,
        in_chroot sacctmgr -i add user "${missing[*]}" account=testacct cluster="$SUITE" >/dev/null
    fi
}

ctld_up() { in_chroot scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { in_chroot sinfo -h -n n1 -o %T 2>/dev/null | head -n1; }
# responding and usable (running jobs from before a restart make it mixed/allocated;
# "planned" means the backfill scheduler has reserved it for a pending job)
NODE_OK='^(idle|mixed|allocated|completing|planned)$'
node_ready() { [[ $(node_state) =~ $NODE_OK ]]; }

start_slurmctld() {
    step "$SUITE: slurmctld (127.0.0.1:$CTLD_PORT)" "$LOGDIR/slurmctld.log" "$PIDDIR/slurmctld.out"
    start_daemon slurmctld "$PIDDIR/slurmctld.out" -- /usr/sbin/slurmctld -D
    local rc=0
    wait_for 60 "scontrol ping UP" slurmctld ctld_up || rc=$?
    ((rc == 0)) || die "slurmctld not UP (rc=$rc: 1=timeout 2=process exited)"
}

start_slurmd() {
    step "$SUITE: slurmd n1 (127.0.0.1:$SLURMD_PORT)" "$LOGDIR/slurmd.log" "$PIDDIR/slurmd.out" "$LOGDIR/slurmctld.log"
    start_daemon slurmd "$PIDDIR/slurmd.out" -- /usr/sbin/slurmd -D -N n1
    local rc=0 resumed=0 end=$((SECONDS + 90)) st
    while ((SECONDS < end)); do
        st=$(node_state)
        [[ $st =~ $NODE_OK ]] && return 0
        daemon_pid slurmd >/dev/null || die "slurmd exited"
        if [[ $st =~ ^(down|drain|drained|inval) ]] && ((resumed == 0)) && port_listening "$SLURMD_PORT"; then
            info "node n1 is '$st'; resuming it"
            in_chroot scontrol update nodename=n1 state=resume >/dev/null 2>&1 || true
            resumed=1
        fi
        sleep 1
    done
    die "node n1 not idle/mixed/allocated/planned after 90s (state '$st')"
}

get_token() {   # get_token user lifespan
    local out
    out=$(in_chroot scontrol token username="$1" lifespan="$2" 2>&1) || die "scontrol token failed: $out"
    out=${out##*SLURM_JWT=}
    [[ -n $out ]] || die "empty token"
    printf '%s\n' "$out"
}

ref_ping() {
    local tok=$1
    curl -sf -m 10 -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $tok" \
        "http://127.0.0.1:$REF_PORT/slurm/$API_VERSION/ping" | grep -qE '"responding": *true'
}

start_slurmrestd() {
    local log=$LOGDIR/slurmrestd.log
    step "$SUITE: reference slurmrestd (127.0.0.1:$REF_PORT, user slurmrestd)" "$log"
    if ! daemon_pid slurmrestd >/dev/null; then
        setsid nohup env --default-signal=HUP,INT,QUIT chroot --userspec=slurmrestd:slurmrestd "$CH" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            LANG=C.UTF-8 HOME=/ SLURM_JWT=daemon /usr/sbin/slurmrestd -a rest_auth/jwt "127.0.0.1:$REF_PORT" \
            </dev/null >>"$log" 2>&1 &
        echo $! >"$PIDDIR/slurmrestd.pid"
    fi
    local rc=0
    wait_for 30 "slurmrestd port" slurmrestd port_listening "$REF_PORT" || rc=$?
    ((rc == 0)) || die "slurmrestd not listening on $REF_PORT (rc=$rc)"
    local tok; tok=$(get_token alice 300)
    wait_for 20 "REST ping" "" ref_ping "$tok" || die "GET /slurm/$API_VERSION/ping as alice did not report responding: true"
}

check_host_munge() {
    step "$SUITE: host libmunge -> chroot munged (ctypes)"
    local py
    py=$(command -v python3 || true)
    if [[ -z $py ]]; then info "python3 not on host; skipped"; return 0; fi
    local cred
    cred=$("$py" - "$MUNGE_SOCKET" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL("libmunge.so.2")
lib.munge_ctx_create.restype = ctypes.c_void_p
lib.munge_ctx_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p]
lib.munge_encode.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
ctx = lib.munge_ctx_create()
assert lib.munge_ctx_set(ctx, 8, sys.argv[1].encode()) == 0   # MUNGE_OPT_SOCKET
cred = ctypes.c_char_p()
rc = lib.munge_encode(ctypes.byref(cred), ctx, None, 0)
if rc != 0:
    sys.exit("munge_encode failed: %d" % rc)
print(cred.value.decode())
EOF
) || die "could not create a munge credential from the host via $MUNGE_SOCKET"
    printf '%s' "$cred" | in_chroot unmunge >/dev/null || die "chroot unmunge rejected the host-made credential"
}

stop_daemon() {
    local name=$1 pid i
    pid=$(daemon_pid "$name") || { rm -f "$PIDDIR/$name.pid"; return 0; }
    local t0=$SECONDS
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 150); do pid_running "$pid" || break; sleep 0.1; done
    if pid_running "$pid"; then
        info "$name (pid $pid) ignored SIGTERM for 15s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$PIDDIR/$name.pid"
    info "stopped $name (pid $pid, $((SECONDS - t0))s)"
}

stop_suite_processes() {
    local d pids i p
    for d in slurmrestd slurmd slurmctld slurmdbd munged; do stop_daemon "$d"; done
    # anything else still running in this chroot (job steps, stray daemons)
    pids=$(live_chroot_pids)
    if [[ -n $pids ]]; then
        info "terminating leftover processes in $CH: $(for p in $pids; do printf "%s(%s) " "$p" "$(cat /proc/$p/comm 2>/dev/null)"; done)"
        kill -TERM $pids 2>/dev/null || true
        for i in $(seq 20); do
            live_chroot_pids | grep -q . || break
            sleep 0.25
        done
        pids=$(live_chroot_pids)
        [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
        sleep 0.5
    fi
    return 0
}

# ------------------------------------------------------------------------------------------
# subcommands
# ------------------------------------------------------------------------------------------
summary() {
    local s
    echo
    for s in "${SUITES[@]}"; do
        suite_vars "$s"
        # shellcheck disable=SC1090
        ( source "$SDIR/env"
          printf '%-7s Slurm %-9s ctld 127.0.0.1:%s dbd :%s slurmd :%s REST %s (%s)\n' \
              "$SUITE" "$SLURM_VERSION" "$CTLD_PORT" "$DBD_PORT" "$SLURMD_PORT" "$REF_URL" "$API_VERSION"
          printf '        env: %s  slurm.conf: %s\n        munge: %s  logs: %s\n' \
              "$SDIR/env" "$SLURM_CONF" "$MUNGE_SOCKET" "$LOG_DIR" )
    done
}

cmd_up() {
    suites_from_arg "${1:-all}"
    local t0=$SECONDS s
    prepare_host
    for s in "${SUITES[@]}"; do suite_vars "$s"; build_chroot; ensure_bench_users "$CH"; done
    start_mariadb
    for s in "${SUITES[@]}"; do
        suite_vars "$s"
        setup_database
        configure_suite
        step "$SUITE: mounts"; mount_chroot
        start_munge
        check_host_munge
        start_slurmdbd
        setup_accounting
        start_slurmctld
        start_slurmd
        start_slurmrestd
    done
    summary
    echo "up: done in $((SECONDS - t0))s"
}

cmd_down() {
    suites_from_arg "${1:-all}"
    need_root
    local s
    for s in "${SUITES[@]}"; do
        suite_vars "$s"
        step "$SUITE: stop daemons"
        [[ -d $CH ]] || { info "no chroot"; continue; }
        stop_suite_processes
        step "$SUITE: unmount"
        umount_chroot
        [[ -z $(mounts_under "$CH") ]] || die "mounts remain under $CH"
    done
    echo "down: done (the host mariadb is left running)"
}

cmd_status() {
    suites_from_arg "${1:-all}"
    local s d pid
    if mysql_alive; then echo "mariadb: running ($DB_HOST:$DB_PORT)"; else echo "mariadb: not running"; fi
    for s in "${SUITES[@]}"; do
        suite_vars "$s"
        echo "== $SUITE ($CH)"
        if ! chroot_built; then echo "   chroot: not built"; continue; fi
        echo "   chroot: built (Slurm $(slurm_version))"
        for d in munged slurmdbd slurmctld slurmd slurmrestd; do
            if pid=$(daemon_pid "$d"); then printf '   %-10s running pid %s\n' "$d" "$pid"
            else printf '   %-10s stopped\n' "$d"; fi
        done
        if daemon_pid slurmctld >/dev/null; then
            echo "   ping: $(in_chroot scontrol ping 2>&1 | head -n1)"
            echo "   node n1: $(node_state)"
        fi
        if [[ -f $SDIR/env ]]; then echo "   env: $SDIR/env"; fi
    done
}

cmd_env() {
    [[ $# -ge 1 ]] || die "usage: env <suite>"
    suite_vars "$1"
    [[ -f $SDIR/env ]] || die "$SDIR/env missing; run: $0 up $1"
    cat "$SDIR/env"
}

cmd_pam() {   # set up (or check) the PAM test service; prints: service user password-file
    need_root
    mkdir -p "$ROOT/logs"
    setup_pam
    echo "$PAM_SERVICE $PAM_USER $ROOT/secrets/pam_password"
}

cmd_token() {
    [[ $# -ge 2 ]] || die "usage: token <suite> <user> [lifespan]"
    suite_vars "$1"
    CUR_STEP="$SUITE: scontrol token username=$2"
    CUR_LOGS=("$LOGDIR/slurmctld.log")
    get_token "$2" "${3:-3600}"
}

cmd_clean() {   # cancel every job of the test users, so tests start from an empty queue
    local suites
    [[ ${1:-all} == all ]] && suites=(forky trixie) || suites=("$1")
    for s in "${suites[@]}"; do
        suite_vars "$s"
        ctld_up || continue
        CUR_STEP="$SUITE: scancel test users' jobs"
        in_chroot scancel -u alice >/dev/null 2>&1 || true
        in_chroot scancel -u bob >/dev/null 2>&1 || true
        local u; for u in "${BENCH_USERS[@]}"; do in_chroot scancel -u "$u" >/dev/null 2>&1 || true; done
        local end=$((SECONDS + 60)) who
        who=$(IFS=,; echo "alice,bob,${BENCH_USERS[*]}")
        while ((SECONDS < end)) && [[ -n $(in_chroot squeue -h -u "$who" -o %i 2>/dev/null) ]]; do
            sleep 1
        done
    done
}

cmd_users() {   # add the bench users to running clusters (host, chroot, associations); idempotent
    suites_from_arg "${1:-all}"
    need_root
    local s
    step "host: bench users ${BENCH_USERS[*]}"
    ensure_bench_users ""
    for s in "${SUITES[@]}"; do
        suite_vars "$s"
        [[ -d $CH && -f $SDIR/env ]] || die "$SUITE is not set up; run: $0 up $SUITE"
        step "$SUITE: bench users in the chroot"
        ensure_bench_users "$CH"
        setup_accounting
    done
}

cmd_logs() {
    [[ $# -ge 1 ]] || die "usage: logs <suite> [-f]"
    suite_vars "$1"
    local files=("$LOGDIR"/*.log "$CH"/var/log/munge/munged.log)
    if [[ ${2:-} == -f ]]; then tail -n 20 -F "${files[@]}"; else tail -n 30 "${files[@]}" 2>/dev/null || true; fi
}

cmd_rebuild() {
    [[ $# -ge 1 ]] || die "usage: rebuild <suite>"
    cmd_down "$1"
    suite_vars "$1"
    step "$SUITE: drop cached chroot $CH"
    rm -f "$STAMP"
    [[ -d $CH ]] && safe_rm_chroot "$CH"
    cmd_up "$1"
}

# Fault tests (tests/faults/) stop a daemon the way a crash or an operator would, then
# start it again exactly as `up` does.  Both verbs act on one running suite only.
FAULT_DAEMONS='^(slurmctld|slurmdbd)$'

cmd_kill_daemon() {   # kill-daemon <suite> <slurmctld|slurmdbd> [TERM|KILL]: signal it, wait until it is gone
    [[ $# -ge 2 && $2 =~ $FAULT_DAEMONS ]] || die "usage: kill-daemon <suite> <slurmctld|slurmdbd> [TERM|KILL]"
    need_root
    suite_vars "$1"
    local name=$2 sig=${3:-TERM} pid i
    [[ $sig =~ ^(TERM|KILL)$ ]] || die "signal must be TERM or KILL"
    pid=$(daemon_pid "$name") || { info "$SUITE: $name is not running"; return 0; }
    kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 300); do pid_running "$pid" || break; sleep 0.1; done
    pid_running "$pid" && die "$SUITE: $name (pid $pid) still running 30s after SIG$sig"
    rm -f "$PIDDIR/$name.pid"
    info "$SUITE: $name (pid $pid) stopped by SIG$sig"
}

cmd_restart_daemon() {   # restart-daemon <suite> <slurmctld|slurmdbd>: start it as `up` does (no-op if running), wait until usable
    [[ $# -ge 2 && $2 =~ $FAULT_DAEMONS ]] || die "usage: restart-daemon <suite> <slurmctld|slurmdbd>"
    need_root
    suite_vars "$1"
    [[ -d $CH && -f $SDIR/env ]] || die "$SUITE is not set up; run: $0 up $SUITE"
    case $2 in
        slurmdbd) start_slurmdbd ;;
        slurmctld)
            if daemon_pid slurmctld >/dev/null && ctld_up; then info "$SUITE: slurmctld already running"
            else start_slurmctld; fi
            local rc=0
            wait_for 90 "node n1 usable" slurmd node_ready || rc=$?
            ((rc == 0)) || die "$SUITE: node n1 not usable after the slurmctld restart (state '$(node_state)')" ;;
    esac
}

usage() {
    cat <<EOF
usage: $0 <command> [args]
  up [forky|trixie|all]        build (cached) and start the cluster(s)   (default: all)
  down [forky|trixie|all]      stop all daemons of the chroot(s) and unmount
  status [suite|all]           show daemons and node state
  env <suite>                  print $ROOT/<suite>/env
  token <suite> <user> [secs]  print a JWT for <user> (default lifespan 3600)
  logs <suite> [-f]            tail the daemon logs
  clean [suite|all]            cancel every job of the test users (alice, bob, bench1-8)
  users [suite|all]            add the bench users (bench1-8) to running clusters; idempotent
  pam                          set up the PAM test service (part of up); prints service, user, password file
  rebuild <suite>              drop the cached chroot, rebuild and start it
  kill-daemon <suite> <slurmctld|slurmdbd> [TERM|KILL]   stop one daemon with that signal (fault tests)
  restart-daemon <suite> <slurmctld|slurmdbd>           start it again as 'up' does; no-op when running
Root: $ROOT (SLURMRESTD_CLUSTER_ROOT)
EOF
}

main() {
    local cmd=${1:-help}; shift || true
    case $cmd in
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        token) cmd_token "$@" ;;
        logs) cmd_logs "$@" ;;
        clean) cmd_clean "$@" ;;
        users) cmd_users "$@" ;;
        pam) cmd_pam "$@" ;;
        rebuild) cmd_rebuild "$@" ;;
        kill-daemon) cmd_kill_daemon "$@" ;;
        restart-daemon) cmd_restart_daemon "$@" ;;
        help|-h|--help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
