// SPDX-License-Identifier: MIT
#include "connectdialog.h"

#include "chatclient.h"
#include "protocol.h"
#include "validation.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

ConnectDialog::ConnectDialog(QWidget *parent)
    : QDialog(parent)
    , m_host(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_name(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_createAccount(new QCheckBox(tr("Create the &account if the name is free"), this))
    , m_rememberPassword(new QCheckBox(tr("&Remember the password in the keyring"), this))
    , m_tls(new QCheckBox(tr("Use &TLS (encrypted; the server needs --tls-cert)"), this))
    , m_connectTimeout(new QDoubleSpinBox(this))
    , m_message(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Connect to PyNet Chat"));

    m_host->setPlaceholderText(tr("127.0.0.1, or several: a:5050, b:5050"));
    m_host->setToolTip(tr("One server, or several separated by commas, tried in turn: when one "
                          "cannot be reached or the connection drops, the next one is. A server "
                          "without :PORT uses the port below; IPv6 as [::1]:5050."));
    m_port->setRange(1, 65535);
    m_port->setValue(Protocol::DefaultPort);
    m_port->setGroupSeparatorShown(false);
    m_name->setPlaceholderText(tr("How others will see you"));
    m_name->setMaxLength(Protocol::MaxNameLength * 2); // code points, checked precisely on Connect
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("Empty: join as a guest"));
    m_password->setMaxLength(int(Protocol::MaxPasswordBytes));
    m_createAccount->setToolTip(
        tr("Registers the name with this password, so that nobody else can take it."));
    m_rememberPassword->setToolTip(
        tr("Kept in the desktop's keyring (GNOME Keyring, KWallet), never in a file."));

    m_connectTimeout->setRange(ChatClient::MinConnectTimeoutMs / 1000.0,
                               ChatClient::MaxConnectTimeoutMs / 1000.0);
    m_connectTimeout->setDecimals(1);
    m_connectTimeout->setSuffix(tr(" s"));
    m_connectTimeout->setToolTip(
        tr("How long a server has to answer the connect before the next one in the list is "
           "tried. A host that drops packets would otherwise hold each attempt for minutes."));

    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setMinimumWidth(m_message->fontMetrics().averageCharWidth() * 40);
    m_message->hide();

    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));

    auto *icon = new QLabel(this);
    icon->setPixmap(QApplication::windowIcon().pixmap(48, 48));
    auto *heading = new QLabel(tr("<b>Join a PyNet Chat server</b><br>Everyone connected to the "
                                  "server sees what you write in the room."),
                               this);
    heading->setWordWrap(true);
    auto *header = new QHBoxLayout;
    header->addWidget(icon, 0, Qt::AlignTop);
    header->addWidget(heading, 1);
    const int fieldWidth = fontMetrics().averageCharWidth() * 32;
    m_host->setMinimumWidth(fieldWidth * 5 / 4); // room for a list of two
    m_name->setMinimumWidth(fieldWidth);

    auto *form = new QFormLayout;
    form->addRow(tr("&Server:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Pass&word:"), m_password);
    form->addRow(QString(), m_createAccount);
    form->addRow(QString(), m_rememberPassword);
    form->addRow(QString(), m_tls);
    form->addRow(tr("Connect t&imeout:"), m_connectTimeout);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addSpacing(6);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addStretch();
    layout->addWidget(m_buttons);
    layout->setSizeConstraint(QLayout::SetMinimumSize);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    // An error stays until the user changes something.
    auto edited = [this] {
        if (!m_busy)
            setMessage({}, false);
        updateButtons();
    };
    for (QLineEdit *edit : { m_host, m_name, m_password })
        connect(edit, &QLineEdit::textEdited, this, edited);
    connect(m_port, &QSpinBox::valueChanged, this, edited);
    connect(m_tls, &QCheckBox::toggled, this, [this](bool tls) {
        if (tls && port() == Protocol::DefaultPort)
            m_port->setValue(Protocol::DefaultTlsPort);
        else if (!tls && port() == Protocol::DefaultTlsPort)
            m_port->setValue(Protocol::DefaultPort);
    });

    QString host;
    quint16 port = 0;
    QString name;
    loadRemembered(&host, &port, &name);
    setValues(host, port, name);
    m_rememberPassword->setChecked(
        QSettings().value(QStringLiteral("connection/rememberPassword"), false).toBool());
    setTls(rememberedTls());
    setConnectTimeoutMs(rememberedConnectTimeoutMs());
}

QString ConnectDialog::password() const
{
    return m_password->text();
}

void ConnectDialog::setPassword(const QString &password)
{
    m_password->setText(password);
}

bool ConnectDialog::createAccount() const
{
    return m_createAccount->isChecked() && !m_password->text().isEmpty();
}

bool ConnectDialog::rememberPassword() const
{
    return m_rememberPassword->isChecked();
}

bool ConnectDialog::tls() const
{
    return m_tls->isChecked();
}

void ConnectDialog::setTls(bool enabled)
{
    const QSignalBlocker blocker(m_tls); // the port is the caller's, not the default's
    m_tls->setChecked(enabled);
}

void ConnectDialog::setValues(const QString &host, quint16 port, const QString &name)
{
    m_host->setText(host);
    m_port->setValue(port);
    m_name->setText(name);
    m_name->setFocus();
    m_name->selectAll();
    updateButtons();
}

QString ConnectDialog::host() const
{
    return m_host->text().trimmed();
}

quint16 ConnectDialog::port() const
{
    return quint16(m_port->value());
}

QList<ServerEndpoint> ConnectDialog::servers() const
{
    QList<ServerEndpoint> servers;
    QString error;
    if (!ServerEndpoint::parseList(host(), port(), &servers, &error))
        return {};
    return servers;
}

QString ConnectDialog::name() const
{
    return Validation::normalizedName(m_name->text());
}

QString ConnectDialog::validationError(Field *field) const
{
    Field which = Field::Host;
    QString reason;
    const QStringList hostEntries = host().split(u',');
    QList<ServerEndpoint> servers;
    QString listError;
    if (host().isEmpty()) {
        reason = tr("Enter the server's address.");
    } else if (std::any_of(hostEntries.cbegin(), hostEntries.cend(),
                           [](const QString &entry) { return entry.trimmed().contains(u' '); })) {
        reason = tr("A server address has no spaces.");
    } else if (!ServerEndpoint::parseList(host(), port(), &servers, &listError)) {
        reason = tr("Not a server list: %1.").arg(listError);
    } else if (!Validation::isValidName(name(), &reason)) {
        which = Field::Name;
    }
    if (field)
        *field = which;
    return reason;
}

void ConnectDialog::updateButtons()
{
    QPushButton *connectButton = m_buttons->button(QDialogButtonBox::Ok);
    connectButton->setEnabled(!m_busy && !host().isEmpty() && !name().isEmpty());
}

void ConnectDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *field :
         std::initializer_list<QWidget *> { m_host, m_port, m_name, m_password, m_createAccount,
                                            m_rememberPassword, m_tls, m_connectTimeout })
        field->setEnabled(!busy);
    if (busy) {
        const QList<ServerEndpoint> list = servers();
        showConnecting(list.isEmpty() ? host() : list.constFirst().toString());
    } else if (!m_showingError)
        m_message->hide();
    updateButtons();
}

void ConnectDialog::showConnecting(const QString &server)
{
    if (m_busy)
        setMessage(tr("Connecting to %1…").arg(server), false);
}

void ConnectDialog::setMessage(const QString &text, bool error)
{
    m_showingError = error;
    // A red that reads on light and dark backgrounds alike.
    m_message->setStyleSheet(error ? QStringLiteral("color: #e0404f;") : QString());
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QWidget *ConnectDialog::widgetFor(Field field) const
{
    switch (field) {
    case Field::Host:
        return m_host;
    case Field::Port:
        return m_port;
    case Field::Name:
        return m_name;
    case Field::Password:
        return m_password;
    }
    return m_name;
}

void ConnectDialog::showError(const QString &text, Field field)
{
    setMessage(text, true);
    setBusy(false);
    QWidget *widget = widgetFor(field);
    widget->setFocus();
    if (auto *edit = qobject_cast<QLineEdit *>(widget))
        edit->selectAll();
}

QString ConnectDialog::errorText() const
{
    return m_showingError ? m_message->text() : QString();
}

void ConnectDialog::accept()
{
    if (m_busy)
        return;
    Field field = Field::Host;
    const QString error = validationError(&field);
    if (!error.isEmpty()) {
        showError(error, field);
        return;
    }
    setBusy(true);
    Q_EMIT connectRequested(host(), port(), name());
}

void ConnectDialog::succeed()
{
    remember(host(), port(), name());
    QSettings().setValue(QStringLiteral("connection/rememberPassword"), rememberPassword());
    rememberTls(tls());
    rememberConnectTimeout(connectTimeoutMs());
    setBusy(false);
    QDialog::accept();
}

void ConnectDialog::loadRemembered(QString *host, quint16 *port, QString *name)
{
    QSettings settings;
    *host =
        settings.value(QStringLiteral("connection/host"), QStringLiteral("127.0.0.1")).toString();
    *port =
        quint16(settings.value(QStringLiteral("connection/port"), Protocol::DefaultPort).toUInt());
    if (*port == 0)
        *port = Protocol::DefaultPort;
    QString login = qEnvironmentVariable("USER");
    *name = settings.value(QStringLiteral("connection/name"), login).toString();
}

void ConnectDialog::remember(const QString &host, quint16 port, const QString &name)
{
    QSettings settings;
    settings.setValue(QStringLiteral("connection/host"), host);
    settings.setValue(QStringLiteral("connection/port"), port);
    settings.setValue(QStringLiteral("connection/name"), name);
}

bool ConnectDialog::rememberedTls()
{
    return QSettings().value(QStringLiteral("connection/tls"), false).toBool();
}

void ConnectDialog::rememberTls(bool enabled)
{
    QSettings().setValue(QStringLiteral("connection/tls"), enabled);
}

int ConnectDialog::connectTimeoutMs() const
{
    return qRound(m_connectTimeout->value() * 1000);
}

void ConnectDialog::setConnectTimeoutMs(int ms)
{
    m_connectTimeout->setValue(ms / 1000.0);
}

int ConnectDialog::rememberedConnectTimeoutMs()
{
    const int ms = QSettings()
                       .value(QStringLiteral("connection/connectTimeoutMs"),
                              ChatClient::DefaultConnectTimeoutMs)
                       .toInt();
    return std::clamp(ms, ChatClient::MinConnectTimeoutMs, ChatClient::MaxConnectTimeoutMs);
}

void ConnectDialog::rememberConnectTimeout(int ms)
{
    QSettings().setValue(QStringLiteral("connection/connectTimeoutMs"), ms);
}
