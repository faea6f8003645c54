/* odd.h - the function the tests patch (answer.c). */
#ifndef ODD_H
#define ODD_H

/* answer(x) is x * 10 + 1 before answer.diff, x * 10 + 2 after. */
long answer(long x);

#endif
