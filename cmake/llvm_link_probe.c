/* Links the LLVM entry points nnlc uses, for compiler/CMakeLists.txt's check that
 * LLVM's static libraries link on this machine (with their system libraries and the
 * C++ runtime) before nnlc is linked against them. Built, never run. */
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <stddef.h>

int main(void) {
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("probe", ctx);
    char *triple = LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &err))
        return 1;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, "", "",
                                                      LLVMCodeGenLevelDefault, LLVMRelocPIC,
                                                      LLVMCodeModelDefault);
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(mod, "default<O2>", tm, po);
    if (e)
        LLVMConsumeError(e);
    LLVMMemoryBufferRef obj;
    if (!LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &err, &obj))
        LLVMDisposeMemoryBuffer(obj);
    LLVMDisposePassBuilderOptions(po);
    LLVMDisposeTargetMachine(tm);
    LLVMDisposeMessage(triple);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    return 0;
}
