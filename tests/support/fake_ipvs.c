/*
 * An LD_PRELOAD stand-in for the kernel's IPVS, so the real ipvsadm can
 * print tables the simulator built: it answers ipvsadm's getsockopt()
 * queries (the libipvs fallback used when the IPVS generic-netlink family is
 * absent) from the file named by $IPVS_FAKE, and serves
 * /proc/net/ip_vs_conn from $IPVS_FAKE_CONN.
 *
 * $IPVS_FAKE, one record per line:
 *   timeout TCP TCPFIN UDP
 *   svc PROTO ADDR PORT FWMARK SCHED FLAGS TIMEOUT NETMASK  STATS...
 *   dest ADDR PORT CONN_FLAGS WEIGHT UTHRESH LTHRESH ACTIVE INACT PERSIST  STATS...
 * where STATS is conns inpkts outpkts inbytes outbytes cps inpps outpps inbps outbps,
 * and dest lines belong to the svc line before them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_SVC 64
#define MAX_DEST 64

struct fake_svc {
	struct ip_vs_service_entry e;
	int ndest;
	struct ip_vs_dest_entry d[MAX_DEST];
};

static struct fake_svc svcs[MAX_SVC];
static int nsvc;
static struct ip_vs_timeout_user timeouts = { 900, 120, 300 };
static int loaded;

static int read_stats(char **save, struct ip_vs_stats_user *s)
{
	unsigned long long v[10];
	for (int i = 0; i < 10; i++) {
		char *t = strtok_r(NULL, " \n", save);
		if (!t)
			return -1;
		v[i] = strtoull(t, NULL, 10);
	}
	s->conns = v[0]; s->inpkts = v[1]; s->outpkts = v[2];
	s->inbytes = v[3]; s->outbytes = v[4];
	s->cps = v[5]; s->inpps = v[6]; s->outpps = v[7];
	s->inbps = v[8]; s->outbps = v[9];
	return 0;
}

static unsigned long field(char **save)
{
	char *t = strtok_r(NULL, " \n", save);
	return t ? strtoul(t, NULL, 0) : 0;
}

static unsigned int addr(char **save)
{
	char *t = strtok_r(NULL, " \n", save);
	struct in_addr a = { 0 };
	if (t)
		inet_aton(t, &a);
	return a.s_addr;
}

static void load(void)
{
	char line[512];
	const char *path = getenv("IPVS_FAKE");
	FILE *f;

	if (loaded)
		return;
	loaded = 1;
	if (!path || !(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;
		char *kind = strtok_r(line, " \n", &save);
		if (!kind)
			continue;
		if (!strcmp(kind, "timeout")) {
			timeouts.tcp_timeout = field(&save);
			timeouts.tcp_fin_timeout = field(&save);
			timeouts.udp_timeout = field(&save);
		} else if (!strcmp(kind, "svc") && nsvc < MAX_SVC) {
			struct ip_vs_service_entry *e = &svcs[nsvc++].e;
			char *sched;
			e->protocol = field(&save);
			e->addr = addr(&save);
			e->port = htons(field(&save));
			e->fwmark = field(&save);
			sched = strtok_r(NULL, " \n", &save);
			snprintf(e->sched_name, sizeof(e->sched_name), "%s", sched ? sched : "");
			e->flags = field(&save);
			e->timeout = field(&save);
			e->netmask = addr(&save);
			read_stats(&save, &e->stats);
		} else if (!strcmp(kind, "dest") && nsvc > 0) {
			struct fake_svc *s = &svcs[nsvc - 1];
			struct ip_vs_dest_entry *d;
			if (s->ndest >= MAX_DEST)
				continue;
			d = &s->d[s->ndest++];
			s->e.num_dests = s->ndest;
			d->addr = addr(&save);
			d->port = htons(field(&save));
			d->conn_flags = field(&save);
			d->weight = field(&save);
			d->u_threshold = field(&save);
			d->l_threshold = field(&save);
			d->activeconns = field(&save);
			d->inactconns = field(&save);
			d->persistconns = field(&save);
			read_stats(&save, &d->stats);
		}
	}
	fclose(f);
}

static struct fake_svc *find(const struct ip_vs_get_dests *q)
{
	for (int i = 0; i < nsvc; i++) {
		struct ip_vs_service_entry *e = &svcs[i].e;
		if (q->fwmark ? e->fwmark == q->fwmark
			      : (e->protocol == q->protocol && e->addr == q->addr && e->port == q->port))
			return &svcs[i];
	}
	return NULL;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	static int (*real)(int, int, int, void *, socklen_t *);

	if (level != IPPROTO_IP || name < IP_VS_BASE_CTL || name > IP_VS_SO_GET_MAX) {
		if (!real)
			real = dlsym(RTLD_NEXT, "getsockopt");
		return real(fd, level, name, val, len);
	}
	load();
	switch (name) {
	case IP_VS_SO_GET_INFO: {
		struct ip_vs_getinfo *i = val;
		i->version = 0x010201;
		i->size = 4096;
		i->num_services = nsvc;
		return 0;
	}
	case IP_VS_SO_GET_SERVICES: {
		struct ip_vs_get_services *g = val;
		for (int i = 0; i < nsvc && (unsigned)i < g->num_services; i++)
			g->entrytable[i] = svcs[i].e;
		return 0;
	}
	case IP_VS_SO_GET_DESTS: {
		struct ip_vs_get_dests *g = val;
		struct fake_svc *s = find(g);
		if (!s)
			return -1;
		for (int i = 0; i < s->ndest && (unsigned)i < g->num_dests; i++)
			g->entrytable[i] = s->d[i];
		return 0;
	}
	case IP_VS_SO_GET_SERVICE: {
		struct ip_vs_service_entry *e = val;
		struct ip_vs_get_dests q = { .protocol = e->protocol, .addr = e->addr, .port = e->port, .fwmark = e->fwmark };
		struct fake_svc *s = find(&q);
		if (!s)
			return -1;
		*e = s->e;
		return 0;
	}
	case IP_VS_SO_GET_TIMEOUT:
		*(struct ip_vs_timeout_user *)val = timeouts;
		return 0;
	default:
		return -1;
	}
}

static const char *redirect(const char *path)
{
	const char *conn = getenv("IPVS_FAKE_CONN");
	return (conn && !strcmp(path, "/proc/net/ip_vs_conn")) ? conn : path;
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	if (!real)
		real = dlsym(RTLD_NEXT, "fopen");
	return real(redirect(path), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	if (!real)
		real = dlsym(RTLD_NEXT, "fopen64");
	return real(redirect(path), mode);
}
