; Countersign NSIS installer hooks (Tauri 2 `bundle.windows.nsis.installerHooks`).
;
; Silent install that provisions the counter PC in one step:
;   Countersign_0.1.0_x64-setup.exe /S /BUNDLE=\\fileserver\it\halls\BJ-CY-01\hall.bundle
; The bundle (and a registry-mirror snapshot next to it, if it names one) is copied to
; %ProgramData%\Countersign and applied with the installed command line, which checks the
; provincial IT authority's signature (authority.pub in the same folder as the bundle, or
; already in %ProgramData%\Countersign). A refused bundle does not fail the installation: the
; app asks for a bundle at first start and `countersign doctor` says why.

!include "FileFunc.nsh"

!macro NSIS_HOOK_POSTINSTALL
  CreateDirectory "$COMMONAPPDATA\Countersign"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/BUNDLE=" $R1
  ${IfNot} ${Errors}
    ${GetParent} "$R1" $R2
    CopyFiles /SILENT "$R1" "$COMMONAPPDATA\Countersign\hall.bundle"
    IfFileExists "$R2\authority.pub" 0 +2
      CopyFiles /SILENT "$R2\authority.pub" "$COMMONAPPDATA\Countersign\authority.pub"
    IfFileExists "$R2\registry-mirror.sqlite" 0 +2
      CopyFiles /SILENT "$R2\registry-mirror.sqlite" "$COMMONAPPDATA\Countersign\registry-mirror.sqlite"
  ${EndIf}
  IfFileExists "$COMMONAPPDATA\Countersign\hall.bundle" 0 +2
    nsExec::ExecToLog '"$INSTDIR\countersign.exe" provision apply "$COMMONAPPDATA\Countersign\hall.bundle" --config-dir "$COMMONAPPDATA\Countersign" --authority "$COMMONAPPDATA\Countersign\authority.pub"'
!macroend

!macro NSIS_HOOK_PREUNINSTALL
  ; The hall's data (verification log, mirror, print queue, hall key under %APPDATA% of each
  ; clerk account, provisioning under %ProgramData%\Countersign) is kept: it is a record the
  ; hall answers for. IT deletes it by hand when the PC leaves service.
!macroend
