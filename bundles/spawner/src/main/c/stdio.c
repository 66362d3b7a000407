/*
 * corral-spawnd -- the standard streams the server makes for a child.
 *
 * With PIPE_STDIN, PIPE_STDOUT or PIPE_STDERR the server makes the pipe, so
 * that the JVM never opens a FIFO (an open(2) that blocks until the other
 * side opens it): the child gets one end as fd 0, 1 or 2, the JVM the other
 * on the SPAWNED message, non-blocking.  STDERR_TO_STDOUT gives the child
 * its fd 1 again as fd 2, whatever fd 1 is.  The JVM sends descriptors only
 * for the slots the server does not fill (docs/spawnd-protocol.md).
 */
#include "spawnd.h"

static const uint32_t pipe_bit[3] = { OPT_PIPE_STDIN, OPT_PIPE_STDOUT, OPT_PIPE_STDERR };

/* How many of fds 0..2 the server fills. */
unsigned stdio_server_slots(uint32_t options)
{
	unsigned n = 0;
	for (int i = 0; i < 3; i++)
		n += (options & pipe_bit[i]) != 0;
	return n + ((options & OPT_STDERR_TO_STDOUT) != 0);
}

/* Builds the child's descriptor table in p and points r->fds at it. */
int stdio_prepare(struct spawn_req *r, struct stdio_plan *p, struct failure *f)
{
	const int *received = r->fds;
	unsigned next = 0;
	p->n_ours = p->n_own = 0;
	for (unsigned i = 0; i < r->nfds; i++) {
		if (i < 3 && (r->options & pipe_bit[i])) {
			int ends[2];
			if (pipe2(ends, O_CLOEXEC) != 0) {
				fail_set(f, errno, "creating the pipe for fd %u", i);
				goto fail;
			}
			/* fd 0 reads, 1 and 2 write; the JVM holds the other end. */
			int child_end = i == 0 ? ends[0] : ends[1], our_end = i == 0 ? ends[1] : ends[0];
			p->child[i] = child_end;
			p->own_child_ends[p->n_own++] = child_end;
			p->ours[p->n_ours++] = our_end;
			/* Only our end's open file is made non-blocking: the child's stays blocking. */
			int fl = fcntl(our_end, F_GETFL);
			if (fl < 0 || fcntl(our_end, F_SETFL, fl | O_NONBLOCK) != 0) {
				fail_set(f, errno, "making the pipe for fd %u non-blocking", i);
				goto fail;
			}
		} else if (i == 2 && (r->options & OPT_STDERR_TO_STDOUT)) {
			p->child[i] = p->child[1];
		} else {
			p->child[i] = received[next++];
		}
	}
	r->fds = p->child;
	return 0;
fail:
	stdio_close_child_ends(p);
	stdio_close_ours(p);
	return -1;
}

void stdio_close_child_ends(struct stdio_plan *p)
{
	close_fds(p->own_child_ends, p->n_own);
	p->n_own = 0;
}

void stdio_close_ours(struct stdio_plan *p)
{
	close_fds(p->ours, p->n_ours);
	p->n_ours = 0;
}
