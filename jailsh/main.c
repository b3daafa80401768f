#include <stdio.h>

int main(void)
{
	fprintf(stderr, "jailsh: not implemented yet\n");
	return 1;
}
