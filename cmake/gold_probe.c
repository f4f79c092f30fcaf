/* Links when the C compiler can link with gold (-fuse-ld=gold): compiler/CMakeLists.txt. */
#include <math.h>

int main(int argc, char **argv) {
    (void)argv;
    return (int)sqrt((double)argc) - 1;
}
