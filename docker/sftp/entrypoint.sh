#!/usr/bin/env bash
# Creates the SFTP accounts and their chrooted folders from the users file, then runs sshd.
#
# Idempotent: accounts are (re)created in the fresh container at every start, while the
# folders (/srv/sftp) and host keys (/etc/ssh/keys) live on volumes and are only completed.
#
# Inputs (environment):
#   SFTP_USERS_FILE        account list (default /etc/canbao/sftp-users.conf): "account uid folders..."
#   SFTP_KEYS_DIR          public keys, one file per account: <account>.pub (default /etc/canbao/sftp-keys)
#   SFTP_PASSWORD_<ACCOUNT> optional password of a department account (upper-case account name)
#   SFTP_HOST_KEY_FILE     the server's ed25519 private host key (default /run/secrets/sftp_host_key)
#   SFTP_TOWN_CODES        space-separated town codes; each gets /towns/<code>/{returns,receipts,rosters}
set -euo pipefail

SFTP_ROOT=/srv/sftp
USERS_FILE=${SFTP_USERS_FILE:-/etc/canbao/sftp-users.conf}
KEYS_DIR=${SFTP_KEYS_DIR:-/etc/canbao/sftp-keys}
HOST_KEYS=/etc/ssh/keys
HOST_KEY_SECRET=${SFTP_HOST_KEY_FILE:-/run/secrets/sftp_host_key}
AUTH_KEYS=/etc/ssh/authorized_keys
TOWN_CODES=${SFTP_TOWN_CODES:-}

log() { echo "sftp-entrypoint: $*" >&2; }

# --- host key: the operator's (compose secret), so that Airflow can pin it in its connection
#     (CANBAO_SFTP_HOST_KEY) before the first start; generated once and kept on its volume otherwise
install -d -o root -g root -m 0700 "$HOST_KEYS"
if [[ -f "$HOST_KEY_SECRET" ]]; then
    install -o root -g root -m 0600 "$HOST_KEY_SECRET" "$HOST_KEYS/ssh_host_ed25519_key"
    ssh-keygen -y -f "$HOST_KEYS/ssh_host_ed25519_key" > "$HOST_KEYS/ssh_host_ed25519_key.pub"
elif [[ ! -f "$HOST_KEYS/ssh_host_ed25519_key" ]]; then
    ssh-keygen -q -t ed25519 -N '' -f "$HOST_KEYS/ssh_host_ed25519_key"
    log "generated a host key (no $HOST_KEY_SECRET)"
fi
log "host key (CANBAO_SFTP_HOST_KEY): $(cut -d' ' -f1,2 "$HOST_KEYS/ssh_host_ed25519_key.pub")"

# --- chroot roots must be owned by root and writable by no one else (sshd refuses otherwise)
install -d -o root -g root -m 0755 "$SFTP_ROOT" "$AUTH_KEYS"
getent group sftp-users >/dev/null || groupadd --system sftp-users

ensure_account() {  # name uid
    local name=$1 uid=$2
    getent group "$name" >/dev/null || groupadd -g "$uid" "$name"
    if ! id -u "$name" >/dev/null 2>&1; then
        # home "/" is relative to the chroot; no shell: ForceCommand internal-sftp does not need one
        useradd -u "$uid" -g "$name" -G sftp-users -d / -M -s /usr/sbin/nologin "$name"
    fi
    local var="SFTP_PASSWORD_${name^^}"
    if [[ -n "${!var:-}" ]]; then
        echo "$name:${!var}" | chpasswd
    else
        usermod -p '*' "$name"  # no password, but not locked: key login still works
    fi
    if [[ -f "$KEYS_DIR/$name.pub" ]]; then
        install -o root -g root -m 0644 "$KEYS_DIR/$name.pub" "$AUTH_KEYS/$name"
    else
        rm -f "$AUTH_KEYS/$name"
    fi
}

drop_folder() {  # path owner-group: setgid, group-writable, so files keep the department group
    install -d -o "$2" -g "$2" -m 2770 "$1"
}

departments=()
platform=""
while read -r name uid folders; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    ensure_account "$name" "$uid"
    case "$folders" in
        @platform)
            platform=$name
            ;;
        @towns)
            departments+=("$name")
            install -d -o root -g root -m 0755 "$SFTP_ROOT/$name"
            for code in $TOWN_CODES; do
                [[ "$code" =~ ^[0-9]{6,12}$ ]] || { log "skipping bad town code '$code'"; continue; }
                drop_folder "$SFTP_ROOT/$name/$code" "$name"
                for sub in returns receipts rosters; do
                    drop_folder "$SFTP_ROOT/$name/$code/$sub" "$name"
                done
            done
            ;;
        *)
            departments+=("$name")
            install -d -o root -g root -m 0755 "$SFTP_ROOT/$name"
            for sub in $folders; do
                drop_folder "$SFTP_ROOT/$name/$sub" "$name"
            done
            ;;
    esac
done < "$USERS_FILE"

# --- the platform account joins every department group: reads inboxes, writes receipts and rosters
if [[ -n "$platform" ]]; then
    for dept in "${departments[@]}"; do
        usermod -a -G "$dept" "$platform"
    done
    if [[ ! -f "$AUTH_KEYS/$platform" ]]; then
        log "WARNING: no $KEYS_DIR/$platform.pub: the platform account cannot log in"
    fi
fi
log "accounts: ${departments[*]} ${platform}"

/usr/sbin/sshd -t
exec "$@"
