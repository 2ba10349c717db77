# ruff: noqa: E501
"""Write the recorded phone listings used by the device-check tests.

Run from the repository root: ``.venv/bin/python tests/samples/devicecheck/make_phones.py``.
The output is committed; rerunning rewrites the text files the same way, and keeps the
existing APK tails (their certificates are random, so they are made only once).

Each folder under ``phones/`` is what ``adb`` printed for one made-up phone, saved with
SafeTrail's file names, plus ``apk_tails/<package>.bin`` (the end of each user app's
APK, which the stand-in ``adb`` serves to ``exec-out tail``). Each folder under
``scenarios/`` tells the stand-in which phones are connected.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2] / "src"))

from safetrail.devicecheck.apk import build_tail, certificate_hashes, v1_certificate_hashes  # noqa: E402

PLAY = "com.android.vending"
SIDELOAD = "com.google.android.packageinstaller"


@dataclass
class App:
    package: str
    installer: str | None = PLAY
    system: str | None = None  # e.g. "/system/priv-app/Settings/Settings.apk"
    version: str = "1.0"
    installed: str = "2025-03-02 10:14:05"
    admin: str | None = None  # receiver class
    accessibility: str | None = None  # service class
    listener: str | None = None  # notification listener class
    location: str | None = None  # None, "while_in_use" or "always"


@dataclass
class Phone:
    name: str
    serial: str
    props: dict[str, str]
    apps: list[App]
    proxy: str = "null"
    vpn_owner: str | None = None
    may_install: tuple[str, ...] = ()
    uids: dict[str, int] = field(default_factory=dict)


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:16]).decode()


def _path(app: App) -> str:
    if app.system:
        return app.system
    return f"/data/app/~~{_token('a' + app.package)}/{app.package}-{_token(app.package)}/base.apk"


SYSTEM = [
    App("android", None, "/system/framework/framework-res.apk", "14"),
    App("com.android.systemui", None, "/system_ext/priv-app/SystemUIGoogle/SystemUIGoogle.apk"),
    App("com.android.settings", None, "/system_ext/priv-app/SettingsGoogle/SettingsGoogle.apk"),
    App("com.android.phone", None, "/system/priv-app/TeleService/TeleService.apk"),
    App("com.android.shell", None, "/system/priv-app/Shell/Shell.apk"),
    App("com.android.bluetooth", None, "/apex/com.android.btservices/app/Bluetooth/Bluetooth.apk"),
    App("com.android.nfc", None, "/system/app/NfcNci/NfcNci.apk"),
    App(
        "com.android.providers.contacts",
        None,
        "/system/priv-app/ContactsProvider/ContactsProvider.apk",
    ),
    App(
        "com.google.android.gms",
        PLAY,
        "/product/priv-app/PrebuiltGmsCore/PrebuiltGmsCoreSc.apk",
        "24.08.12",
        admin="com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver",
        location="always",
    ),
    App(
        "com.google.android.gsf",
        None,
        "/product/priv-app/GoogleServicesFramework/GoogleServicesFramework.apk",
    ),
    App(PLAY, None, "/product/priv-app/Phonesky/Phonesky.apk", "39.4.24"),
    App(SIDELOAD, None, "/system/priv-app/GooglePackageInstaller/GooglePackageInstaller.apk"),
    App(
        "com.google.android.permissioncontroller",
        None,
        "/apex/com.android.permission/priv-app/GooglePermissionController/GooglePermissionController.apk",
    ),
    App(
        "com.google.android.inputmethod.latin",
        PLAY,
        "/product/app/LatinIMEGooglePrebuilt/LatinIMEGooglePrebuilt.apk",
    ),
    App("com.android.chrome", PLAY, "/product/app/Chrome/Chrome.apk", "122.0.6261.64"),
    App("com.google.android.apps.messaging", PLAY, "/product/app/PrebuiltBugle/PrebuiltBugle.apk"),
    App("com.google.android.dialer", PLAY, "/product/priv-app/GoogleDialer/GoogleDialer.apk"),
    App("com.google.android.youtube", PLAY, "/product/app/YouTube/YouTube.apk"),
    App(
        "com.google.android.apps.maps", PLAY, "/product/app/Maps/Maps.apk", location="while_in_use"
    ),
    App(
        "com.google.android.apps.wellbeing",
        None,
        "/product/priv-app/WellbeingPrebuilt/WellbeingPrebuilt.apk",
        listener="com.google.android.apps.wellbeing.notificationlistener.NotificationListener",
    ),
]

STORE_APPS = [
    App("com.whatsapp", version="2.24.5.76", location="while_in_use"),
    App("jp.naver.line.android", version="14.2.1"),
    App("com.kakao.talk", version="10.5.3"),
    App("com.spotify.music", version="8.9.18.512"),
    App("org.telegram.messenger", version="10.8.1"),
    App("com.instagram.android", version="321.0.0.37.90"),
    App("com.ubercab", version="4.512.10001", location="while_in_use"),
    App("com.duolingo", version="5.140.3"),
    App("com.netflix.mediaclient", version="8.104.0"),
    App("com.google.android.apps.authenticator2", version="6.0"),
]

SPY_POWERS = {
    "admin": "com.systemservice.receiver.AdminReceiver",
    "accessibility": "com.systemservice.service.KeyService",
    "listener": "com.systemservice.service.NotifyService",
    "location": "always",
}


def phones() -> list[Phone]:
    base_props = {"ro.build.version.security_patch": "2024-02-05"}
    return [
        Phone(
            "clean",
            "R58N30CLEAN",
            {
                **base_props,
                "ro.product.manufacturer": "samsung",
                "ro.product.model": "SM-A526B",
                "ro.build.version.release": "13",
            },
            [*SYSTEM, *STORE_APPS, App("org.fdroid.fdroid", SIDELOAD, version="1.19.1")],
        ),
        Phone(
            "stalkerware",
            "1A2B3C4D5E6F",
            {
                **base_props,
                "ro.product.manufacturer": "Google",
                "ro.product.model": "Pixel 6",
                "ro.build.version.release": "14",
            },
            [
                *SYSTEM,
                *STORE_APPS[:6],
                App(
                    "com.systemservice",
                    None,
                    version="5.2",
                    installed="2026-10-03 22:41:09",
                    **SPY_POWERS,
                ),  # type: ignore[arg-type]
            ],
        ),
        Phone(
            "heuristic",
            "8d3f5a2c",
            {
                **base_props,
                "ro.product.manufacturer": "Xiaomi",
                "ro.product.model": "M2101K6G",
                "ro.build.version.release": "12",
            },
            [
                *SYSTEM,
                *STORE_APPS[2:8],
                App(
                    "net.dinglisch.android.taskerm",
                    PLAY,
                    version="6.2.22",
                    accessibility="net.dinglisch.android.taskerm.MyAccessibilityService",
                    listener="net.dinglisch.android.taskerm.NotificationListenerService",
                ),
                App(
                    "com.sysupdate.battery.care",
                    SIDELOAD,
                    version="3.1",
                    installed="2026-09-18 07:02:44",
                    admin="com.sysupdate.battery.care.DeviceGuard",
                    accessibility="com.sysupdate.battery.care.CareService",
                    listener="com.sysupdate.battery.care.AlertReader",
                    location="always",
                ),
            ],
            proxy="192.168.1.50:8888",
            may_install=("com.android.chrome",),
        ),
        Phone(
            "watchware",
            "R5CR20WATCH",
            {
                **base_props,
                "ro.product.manufacturer": "samsung",
                "ro.product.model": "SM-G991B",
                "ro.build.version.release": "14",
            },
            [
                *SYSTEM,
                *STORE_APPS[:5],
                App("com.nordvpn.android", version="6.26.2"),
                App(
                    "com.wondershare.famisafe.kids",
                    version="7.3.2",
                    installed="2026-08-30 19:20:00",
                    admin="com.wondershare.famisafe.kids.receiver.AdminReceiver",
                    accessibility="com.wondershare.famisafe.kids.accessibility.KidsService",
                ),
            ],
            vpn_owner="com.nordvpn.android",
        ),
    ]


def _uids(phone: Phone) -> None:
    next_uid = 10120
    for app in phone.apps:
        if app.package == "android":
            phone.uids[app.package] = 1000
        else:
            phone.uids[app.package] = next_uid
            next_uid += 7


def pm_list(phone: Phone) -> str:
    return "".join(
        f"package:{_path(a)}={a.package}  installer={a.installer or 'null'} uid:{phone.uids[a.package]}\n"
        for a in phone.apps
    )


def dumpsys_package(phone: Phone) -> str:
    out = [
        "Activity Resolver Table:",
        "  Non-Data Actions:",
        "      android.intent.action.MAIN:",
        "        1f2e3d4 com.android.settings/.Settings filter 9a8b7c6",
        "",
        "Key Set Manager:",
        "  [android]",
        "      Signing KeySets: 1",
        "",
        "Packages:",
    ]
    start = datetime(2024, 1, 5, 9, 0, tzinfo=UTC)
    for index, app in enumerate(phone.apps):
        installed = (
            app.installed
            if not app.system
            else (start + timedelta(minutes=index)).strftime("%Y-%m-%d %H:%M:%S")
        )
        code = _path(app).rsplit("/", 1)[0]
        out += [
            f"  Package [{app.package}] ({hashlib.sha1(app.package.encode()).hexdigest()[:7]}):",
            f"    userId={phone.uids[app.package]}",
            f"    pkg=Package{{{hashlib.md5(app.package.encode()).hexdigest()[:7]} {app.package}}}",
            f"    codePath={code}",
            f"    resourcePath={code}",
            "    primaryCpuAbi=arm64-v8a",
            f"    versionCode={100 + index} minSdk=24 targetSdk=34",
            f"    versionName={app.version}",
            "    apkSigningVersion=3",
            "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]"
            if not app.system
            else "    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]",
            f"    dataDir=/data/user/0/{app.package}",
            f"    timeStamp={installed}",
            f"    lastUpdateTime={installed}",
            f"    installerPackageName={app.installer or 'null'}",
            f"    signatures=PackageSignatures{{{hashlib.md5(b'x' + app.package.encode()).hexdigest()[:7]} version:3, signatures:[{hashlib.md5(b's' + app.package.encode()).hexdigest()[:8]}], past signatures:[]}}",
            "    requested permissions:",
            "      android.permission.INTERNET",
        ]
        if app.location:
            out += [
                "      android.permission.ACCESS_FINE_LOCATION",
                "      android.permission.ACCESS_BACKGROUND_LOCATION",
            ]
        out += [
            "    install permissions:",
            "      android.permission.INTERNET: granted=true",
            "    User 0: ceDataInode=2654210 installed=true hidden=false suspended=false "
            "distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false",
            f"      firstInstallTime={installed}",
            "      runtime permissions:",
        ]
        if app.location:
            always = app.location == "always"
            out += [
                "        android.permission.ACCESS_FINE_LOCATION: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]",
                f"        android.permission.ACCESS_BACKGROUND_LOCATION: granted={'true' if always else 'false'}, flags=[ USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED|RESTRICTION_INSTALLER_EXEMPT]",
            ]
    out += [
        "",
        "Hidden system packages:",
        "  Package [com.android.chrome] (5c1d2e7):",
        "    userId=10104",
        "",
    ]
    return "\n".join(out) + "\n"


def device_policy(phone: Phone) -> str:
    out = [
        "Current Device Policy Manager state:",
        "  Immutable state:",
        "    mHasFeature=true",
        "    mIsWatch=false",
        "  Device Owner: ",
        "  Profile Owner (User 0): ",
        "",
        "  Enabled Device Admins (User 0, provisioningState: 3):",
    ]
    for app in phone.apps:
        if app.admin:
            out += [
                f"    {app.package}/{app.admin}:",
                f"      uid={phone.uids[app.package]}",
                "      testOnlyAdmin=false",
                "      policies:",
                "        force-lock",
                "        wipe-data",
            ]
    out += ["", "    mPasswordOwner=-1", "", "  Encryption Status: per-user"]
    return "\n".join(out) + "\n"


def components(phone: Phone, attr: str) -> str:
    parts = [f"{a.package}/{getattr(a, attr)}" for a in phone.apps if getattr(a, attr)]
    return (":".join(parts) or "null") + "\n"


def appops(phone: Phone) -> str:
    out = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+5s0ms", ""]
    for app in phone.apps:
        out += [f"  Uid {phone.uids[app.package]}:", "    state=cch", f"    Package {app.package}:"]
        out += [
            "      WAKE_LOCK (allow):",
            "        Access: [fg-s] 2026-11-03 08:15:00.120 (-2h10m3s)",
        ]
        if app.package in phone.may_install:
            out += ["      REQUEST_INSTALL_PACKAGES (allow):"]
        if app.location:
            mode = "allow" if app.location == "always" else "foreground"
            out += [
                f"      COARSE_LOCATION ({mode}):",
                "        Access: [bg-s] 2026-11-03 09:01:12.003 (-1h24m8s)",
                f"      FINE_LOCATION ({mode} / switch COARSE_LOCATION={mode}):",
                "        Access: [bg-s] 2026-11-03 09:01:12.004 (-1h24m8s)",
            ]
    return "\n".join(out) + "\n"


def connectivity(phone: Phone) -> str:
    out = [
        "NetworkProviders for:",
        "  WifiNetworkProvider",
        "",
        "Active default network: 101",
        "",
        "Current Networks:",
        "  NetworkAgentInfo{network{101}  handle{436615954445}  ni{WIFI CONNECTED extra: } "
        "Score(Policies : IS_VALIDATED&IS_UNMETERED ; KeepConnected : 0) created everValidated "
        "lastValidated  lp{{InterfaceName: wlan0}} nc{[ Transports: WIFI Capabilities: "
        "NOT_METERED&INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN&VALIDATED] } factorySerialNumber=1}",
    ]
    if phone.vpn_owner:
        uid = phone.uids[phone.vpn_owner]
        out.append(
            "  NetworkAgentInfo{network{102}  handle{441001247589}  ni{VPN CONNECTED extra: } "
            "Score(Policies : IS_VALIDATED ; KeepConnected : 1) created everValidated lastValidated "
            f"lp{{{{InterfaceName: tun0}}}} nc{{[ Transports: VPN Capabilities: INTERNET&NOT_RESTRICTED&TRUSTED&VALIDATED "
            f"OwnerUid: {uid} AdminUids: [{uid}]] }} factorySerialNumber=-1}}"
        )
    out += ["", "Network Requests:", "  uid/pid:1000/1651 activeRequest: null"]
    return "\n".join(out) + "\n"


def getprop(phone: Phone) -> str:
    props = {
        "ro.boot.hardware": "exynos",
        "ro.build.type": "user",
        "ro.serialno": phone.serial,
        **phone.props,
        "persist.sys.timezone": "Europe/London",
    }
    return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items()))


def _v1_apk(package: str) -> bytes:
    """A small APK signed only the old way (v1): META-INF/CERT.RSA holds a PKCS#7 signature."""
    import io
    import zipfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "System Service")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2019, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2049, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    manifest = f"Manifest-Version: 1.0\nCreated-By: 1.0 (Android)\n\nName: classes.dex\nSHA-256-Digest: {package}\n".encode()
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(cert, key, hashes.SHA256())
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as apk:
        apk.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00" + b"\x00" * 60)
        apk.writestr("classes.dex", b"dex\n035\x00" + b"\x00" * 200)
        apk.writestr("META-INF/MANIFEST.MF", manifest)
        apk.writestr("META-INF/CERT.SF", b"Signature-Version: 1.0\n")
        apk.writestr("META-INF/CERT.RSA", signature)
    return buffer.getvalue()


V1_ONLY = {"com.systemservice"}  # old stalkerware is often signed only the old way


def _certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Android Debug")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2050, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)


def write(phone: Phone) -> None:
    _uids(phone)
    folder = HERE / "phones" / phone.name
    tails = folder / "apk_tails"
    tails.mkdir(parents=True, exist_ok=True)
    files = {
        "getprop.txt": getprop(phone),
        "pm_list_packages.txt": pm_list(phone),
        "dumpsys_package.txt": dumpsys_package(phone),
        "dumpsys_device_policy.txt": device_policy(phone),
        "settings_secure_enabled_accessibility_services.txt": components(phone, "accessibility"),
        "settings_secure_enabled_notification_listeners.txt": components(phone, "listener"),
        "dumpsys_appops.txt": appops(phone),
        "settings_global_http_proxy.txt": phone.proxy + "\n",
        "dumpsys_connectivity.txt": connectivity(phone),
    }
    cert_lines = []
    for app in sorted(phone.apps, key=lambda a: a.package):  # as SafeTrail lists them
        if app.system:
            continue
        tail = tails / f"{app.package}.bin"
        v1 = app.package in V1_ONLY
        if not tail.exists() or (v1 and not tail.read_bytes().startswith(b"PK\x03\x04\x14")):
            made = (
                _v1_apk(app.package)
                if v1
                else build_tail(_certificate(), b"PK\x03\x04" + b"\0" * 300)
            )
            tail.write_bytes(made)
        read = v1_certificate_hashes if v1 else certificate_hashes
        sha1, sha256 = read(tail.read_bytes())
        cert_lines.append(f"{app.package} {sha1} {sha256}\n")
    files["certificates.txt"] = "".join(cert_lines)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def scenario(
    name: str, lines: list[str], phones_by_serial: dict[str, str], disconnect: dict[str, int]
) -> None:
    folder = HERE / "scenarios" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "devices.txt").write_text(
        "List of devices attached\n" + "".join(f"{line}\n" for line in lines) + "\n"
    )
    for serial, phone in phones_by_serial.items():
        (folder / f"{serial}.phone").write_text(phone + "\n")
    for serial, after in disconnect.items():
        (folder / f"{serial}.disconnect_after").write_text(f"{after}\n")


def androidqf(phone: Phone) -> None:
    """An AndroidQF-style folder for ``phone``, with one renamed app signed with a
    certificate from the indicator list (TheTruthSpy's), so only the certificate matches."""
    import json

    folder = HERE / "androidqf"
    folder.mkdir(exist_ok=True)
    spy_cert = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"
    packages = []
    for app in phone.apps:
        sha1 = spy_cert if app.package == "com.android.sys.helper" else None
        packages.append(
            {
                "name": app.package,
                "files": [
                    {
                        "path": _path(app),
                        "local_name": "../../../../etc/passwd" if sha1 else "",
                        "md5": hashlib.md5(app.package.encode()).hexdigest(),
                        "sha1": hashlib.sha1(app.package.encode()).hexdigest(),
                        "sha256": hashlib.sha256(app.package.encode()).hexdigest(),
                        "certificate": {
                            "Md5": "",
                            "Sha1": sha1
                            or hashlib.sha1(b"cert" + app.package.encode()).hexdigest(),
                            "Sha256": "",
                            "Subject": "CN=Android",
                        },
                    }
                ],
                "installer": app.installer or "",
                "uid": phone.uids[app.package],
                "disabled": False,
                "system": bool(app.system),
                "third_party": not app.system,
            }
        )
    (folder / "packages.json").write_text(json.dumps(packages, indent=1) + "\n")
    (folder / "getprop.txt").write_text(getprop(phone))
    (folder / "acquisition.json").write_text(
        json.dumps({"uuid": "5f0c1d9e-aaaa-4bbb-8ccc-123456789abc", "androidqf_version": "1.7.0"})
        + "\n"
    )
    dumpsys = ""
    for service, text in (
        ("package", dumpsys_package(phone)),
        ("device_policy", device_policy(phone)),
        ("appops", appops(phone)),
        ("connectivity", connectivity(phone)),
    ):
        dumpsys += f"-------------------------------------------------------------------------------\nDUMP OF SERVICE {service}:\n{text}"
    (folder / "dumpsys.txt").write_text(dumpsys)
    (folder / "settings_secure.txt").write_text(
        "android_id=6f1b2c3d4e5f6a7b\n"
        f"enabled_accessibility_services={components(phone, 'accessibility').strip()}\n"
        f"enabled_notification_listeners={components(phone, 'listener').strip()}\n"
    )
    (folder / "settings_global.txt").write_text("adb_enabled=1\nhttp_proxy=null\n")


def mvt() -> None:
    import json

    folder = HERE / "mvt"
    folder.mkdir(exist_ok=True)
    rows = [
        {
            "package_name": "com.whatsapp",
            "installer": PLAY,
            "system": False,
            "third_party": True,
            "files": [{"path": "/data/app/com.whatsapp/base.apk", "sha256": "00" * 32}],
        },
        {
            "package_name": "com.wondershare.famisafe.kids",
            "installer": PLAY,
            "system": False,
            "third_party": True,
            "first_install_time": "2026-08-30 19:20:00",
            "files": [],
        },
        {"package_name": "com.android.settings", "installer": "null", "system": True, "files": []},
    ]
    (folder / "packages.json").write_text(json.dumps(rows, indent=1) + "\n")
    services = [
        {
            "package_name": "com.wondershare.famisafe.kids",
            "service": "com.wondershare.famisafe.kids/.accessibility.KidsService",
        }
    ]
    (folder / "dumpsys_accessibility.json").write_text(json.dumps(services, indent=1) + "\n")


def main() -> None:
    made = phones()
    for phone in made:
        write(phone)
    spy = Phone(
        "androidqf",
        "RZ8N70QF",
        {
            "ro.product.manufacturer": "samsung",
            "ro.product.model": "SM-S911B",
            "ro.build.version.release": "14",
        },
        [
            *SYSTEM,
            *STORE_APPS[:4],
            App(
                "com.android.sys.helper",
                SIDELOAD,
                version="2.0",
                accessibility="com.android.sys.helper.Svc",
            ),
        ],
    )
    _uids(spy)
    androidqf(spy)
    mvt()
    models = {
        "clean": "SM_A526B",
        "stalkerware": "Pixel_6",
        "heuristic": "M2101K6G",
        "watchware": "SM_G991B",
    }
    for phone in made:
        line = f"{phone.serial:<22} device usb:1-1 product:{phone.name} model:{models[phone.name]} device:{phone.name} transport_id:4"
        scenario(phone.name, [line], {phone.serial: phone.name}, {})
    scenario(
        "disconnect",
        [
            "1A2B3C4D5E6F           device usb:1-1 product:oriole model:Pixel_6 device:oriole transport_id:7"
        ],
        {"1A2B3C4D5E6F": "stalkerware"},
        {"1A2B3C4D5E6F": 4},
    )
    scenario(
        "hang",
        [
            "R5CR20WATCH            device usb:1-1 product:r9s model:SM_G991B device:r9s transport_id:8"
        ],
        {"R5CR20WATCH": "watchware"},
        {},
    )
    (HERE / "scenarios" / "hang" / "R5CR20WATCH.hang_on").write_text("dumpsys appops\n")
    scenario(
        "old",
        [
            "R58N30CLEAN            device usb:1-1 product:a52 model:SM_A526B device:a52 transport_id:9"
        ],
        {"R58N30CLEAN": "clean"},
        {},
    )
    (HERE / "scenarios" / "old" / "R58N30CLEAN.old_android").write_text("\n")
    scenario("unauthorised", ["R58N30CLEAN            unauthorized usb:1-1 transport_id:3"], {}, {})
    scenario("none", [], {}, {})
    scenario(
        "several",
        [
            "R58N30CLEAN            device usb:1-1 product:a52 model:SM_A526B device:a52 transport_id:4",
            "emulator-5554          device product:sdk_gphone64_x86_64 model:sdk_gphone64_x86_64 device:emu64xa transport_id:5",
        ],
        {"R58N30CLEAN": "clean", "emulator-5554": "clean"},
        {},
    )


if __name__ == "__main__":
    main()
