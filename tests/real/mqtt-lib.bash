# mqtt.sh - a tiny MQTT 3.1.1 client in bash (sourced by tests/real/*.sh).
#
# It speaks raw MQTT bytes over bash's /dev/tcp, so the real-program tests
# need no client library: only bash, printf, dd, od and timeout.
#
#   mqtt_first_packet_probe PORT    -> prints "closed" or "open"
#   mqtt_pubsub PORT TOPIC PAYLOAD  -> 0 if a subscriber got PAYLOAD
#
# All functions are bounded in time (a few seconds at most).

# mqtt_str STRING: the MQTT UTF-8 string encoding (2-byte length + bytes),
# as printf escapes.
mqtt_str() {
	local s=$1 n=${#1}
	printf '\\x%02x\\x%02x%s' $((n >> 8)) $((n & 255)) "$s"
}

# mqtt_packet HEADER BODY: prints one packet (BODY given as printf escapes,
# shorter than 128 bytes so that the remaining length is one byte).
mqtt_packet() {
	local hdr=$1 body len
	body=$(printf "$2" | od -An -v -tx1 | tr -s ' \n' ' ')
	len=$(wc -w <<<"$body")
	printf "\\x$hdr\\x$(printf %02x "$len")"
	printf "$2"
}

# mqtt_read FD N [SECONDS]: read exactly N bytes from FD, print them as hex
# ("20 02 00 00"); fewer bytes if the peer closes or the time runs out.
mqtt_read() {
	timeout "${3:-3}" dd bs=1 count="$2" <&"$1" 2>/dev/null | od -An -v -tx1 |
		tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# mqtt_read_packet FD [SECONDS]: read one packet whose remaining length is
# below 128, print it as hex.
mqtt_read_packet() {
	local hdr len
	hdr=$(mqtt_read "$1" 2 "${2:-3}")
	[ "${#hdr}" = 5 ] || { echo "$hdr"; return 1; }
	len=$((16#${hdr#* }))
	if [ "$len" = 0 ]; then echo "$hdr"; else echo "$hdr $(mqtt_read "$1" "$len" "${2:-3}")"; fi
}

# mqtt_connect FD CLIENTID [VERSION]: send CONNECT (MQTT 3.1.1 or, with
# VERSION 5, MQTT 5 without properties; clean session, keepalive 60 s) on
# FD, print the CONNACK as hex.
mqtt_connect() {
	if [ "${3:-4}" = 5 ]; then
		mqtt_packet 10 "$(mqtt_str MQTT)\\x05\\x02\\x00\\x3c\\x00$(mqtt_str "$2")" >&"$1"
	else
		mqtt_packet 10 "$(mqtt_str MQTT)\\x04\\x02\\x00\\x3c$(mqtt_str "$2")" >&"$1"
	fi
	mqtt_read_packet "$1"
}

# mqtt_first_packet_probe PORT: open a connection and, without sending
# CONNECT first, start a PUBLISH announcing a 2 MiB body (remaining length
# 0x80 0x80 0x80 0x01) of which nothing follows.  A broker that checks that
# the first packet is a CONNECT (CVE-2023-0809 fixed) drops the connection
# at once; an unfixed broker allocates the 2 MiB and waits for the body.
# Prints "closed" or "open" (still open after 3 s).
mqtt_first_packet_probe() {
	local port=$1 rc
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { echo "noconnect"; return 1; }
	printf '\x30\x80\x80\x80\x01' >&"$fd"
	timeout 3 cat <&"$fd" >/dev/null 2>&1
	rc=$?
	exec {fd}>&-
	if [ "$rc" = 124 ]; then echo open; else echo closed; fi
}

# mqtt_big_first_packet PORT FDVAR: like the probe, but announce the largest
# body MQTT allows (256 MiB - 1) and keep the connection open; the fd is
# stored in the variable named FDVAR.  Close it with `exec {FDVAR}>&-`.
mqtt_big_first_packet() {
	local port=$1 f
	exec {f}<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '\x30\xff\xff\xff\x7f' >&"$f"
	printf -v "$2" %s "$f"
}

# mqtt_pubsub PORT TOPIC PAYLOAD: a subscriber and a publisher (QoS 0);
# succeeds if the subscriber receives exactly the published message.
mqtt_pubsub() {
	local port=$1 topic=$2 payload=$3 s p ack got want
	exec {s}<>"/dev/tcp/127.0.0.1/$port" || return 1
	exec {p}<>"/dev/tcp/127.0.0.1/$port" || { exec {s}>&-; return 1; }
	ack=$(mqtt_connect "$s" "suture-sub-$$")
	[ "$ack" = "20 02 00 00" ] || { echo "mqtt_pubsub: subscriber CONNACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1; }
	mqtt_packet 82 "\\x00\\x01$(mqtt_str "$topic")\\x00" >&"$s"
	ack=$(mqtt_read "$s" 5)
	[ "$ack" = "90 03 00 01 00" ] || { echo "mqtt_pubsub: SUBACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1; }
	ack=$(mqtt_connect "$p" "suture-pub-$$")
	[ "$ack" = "20 02 00 00" ] || { echo "mqtt_pubsub: publisher CONNACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1; }
	mqtt_packet 30 "$(mqtt_str "$topic")$payload" >&"$p"
	want=$(mqtt_packet 30 "$(mqtt_str "$topic")$payload" | od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	got=$(mqtt_read "$s" $(wc -w <<<"$want"))
	printf '\xe0\x00' >&"$p"	# DISCONNECT
	printf '\xe0\x00' >&"$s"
	exec {s}>&- {p}>&-
	[ "$got" = "$want" ] || { echo "mqtt_pubsub: got '$got', want '$want'" >&2; return 1; }
}

# mqtt5_puback_reason PORT TOPIC: an MQTT 5 subscriber subscribes to TOPIC,
# an MQTT 5 publisher publishes one QoS 1 message to it; prints the PUBACK's
# reason code as two hex digits ("00" success, "10" no matching subscribers)
# followed by "delivered" or "lost" (whether the subscriber got it).
mqtt5_puback_reason() {
	local port=$1 topic=$2 s p ack reason got
	exec {s}<>"/dev/tcp/127.0.0.1/$port" || return 1
	exec {p}<>"/dev/tcp/127.0.0.1/$port" || { exec {s}>&-; return 1; }
	ack=$(mqtt_connect "$s" "suture-sub5-$$" 5)
	case $ack in "20 "*" 00 00"*) ;; *) echo "mqtt5: subscriber CONNACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1 ;; esac
	mqtt_packet 82 "\\x00\\x01\\x00$(mqtt_str "$topic")\\x00" >&"$s"
	ack=$(mqtt_read_packet "$s")
	[ "$ack" = "90 04 00 01 00 00" ] || { echo "mqtt5: SUBACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1; }
	ack=$(mqtt_connect "$p" "suture-pub5-$$" 5)
	case $ack in "20 "*" 00 00"*) ;; *) echo "mqtt5: publisher CONNACK '$ack'" >&2; exec {s}>&- {p}>&-; return 1 ;; esac
	mqtt_packet 32 "$(mqtt_str "$topic")\\x00\\x07\\x00hello5" >&"$p"
	ack=$(mqtt_read_packet "$p")
	case $ack in
	"40 02 00 07") reason=00 ;;
	"40 0"[34]" 00 07 "*) reason=$(cut -d' ' -f5 <<<"$ack") ;;
	*) echo "mqtt5: PUBACK '$ack'" >&2; reason=none ;;
	esac
	got=$(mqtt_read_packet "$s" 2)
	case $got in 3*" 68 65 6c 6c 6f 35") got=delivered ;; *) got=lost ;; esac
	printf '\xe0\x00' >&"$p"
	printf '\xe0\x00' >&"$s"
	exec {s}>&- {p}>&-
	echo "$reason $got"
}

# mqtt_qos2_dup PORT: connect (MQTT 3.1.1) and send the same QoS 2 PUBLISH
# (DUP set, packet id 1, never released with PUBREL) three times; prints
# what came back each time: "[50 02 00 01]" is a PUBREC, "[closed]" means
# the broker dropped the connection.  The broker fixed for CVE-2023-28366
# allows one duplicate and disconnects on the second.
mqtt_qos2_dup() {
	local port=$1 s r out="" i
	exec {s}<>"/dev/tcp/127.0.0.1/$port" || { echo noconnect; return 1; }
	r=$(mqtt_connect "$s" "suture-dup-$$")
	[ "$r" = "20 02 00 00" ] || { exec {s}>&-; echo "connack:$r"; return 1; }
	for i in 1 2 3; do
		mqtt_packet 3c "$(mqtt_str suture/dup)\\x00\\x01message" >&"$s" 2>/dev/null
		r=$(mqtt_read_packet "$s" 2)
		out="$out[${r:-closed}]"
	done
	exec {s}>&-
	echo "$out"
}
