// SPDX-License-Identifier: MIT
#include "knownservers.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSslCertificate>
#include <QStandardPaths>

namespace {
QString keyOf(const QString &host, quint16 port)
{
    return QStringLiteral("%1:%2").arg(host.toLower()).arg(port);
}
} // namespace

KnownServers::KnownServers(const QString &path) : m_path(path) { }

QString KnownServers::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/pynet/known-servers");
}

QString KnownServers::fingerprintOf(const QSslCertificate &certificate)
{
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

QString KnownServers::fingerprint(const QString &host, quint16 port) const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    const QString key = keyOf(host, port);
    while (!file.atEnd()) {
        const QStringList fields =
            QString::fromUtf8(file.readLine()).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() >= 2 && fields.at(0) == key)
            return fields.at(1).trimmed().toUpper();
    }
    return {};
}

bool KnownServers::remember(const QString &host, quint16 port, const QString &fingerprint,
                            QString *error)
{
    const QString key = keyOf(host, port);
    QByteArray kept;
    QFile old(m_path);
    if (old.open(QIODevice::ReadOnly | QIODevice::Text)) {
        while (!old.atEnd()) {
            const QByteArray line = old.readLine();
            if (!line.startsWith(key.toUtf8() + ' '))
                kept += line.endsWith('\n') ? line : line + '\n';
        }
    }
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path); // a crash midway leaves the old file, not half a new one
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    file.write(kept);
    file.write(QStringLiteral("%1 %2\n").arg(key, fingerprint).toUtf8());
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    return true;
}
